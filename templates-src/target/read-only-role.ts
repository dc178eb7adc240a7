import { Template } from '../cfn-types';
import type { Config } from '../config';
import { sub, P } from '../cfn';
import { names } from '../names';
import { Statement } from '../policies/document';
import { partitioned } from './cloudformation-role';
import { roleTemplate, trustCiRoles, RoleSpec } from './role-template';

export const READ_ONLY_ROLE = 'ReadOnlyRole';

export function readOnlyStatements(): Statement[] {
  return [
    {
      Sid: 'DescribeStacksAndTags',
      Effect: 'Allow',
      Action: [
        'cloudformation:DescribeStackEvents', 'cloudformation:DescribeStackResource', 'cloudformation:DescribeStackResources',
        'cloudformation:DescribeStacks', 'cloudformation:GetTemplateSummary', 'cloudformation:ListExports',
        'cloudformation:ListStackResources', 'cloudformation:ListStacks', 'tag:GetResources', 'tag:GetTagKeys', 'tag:GetTagValues',
      ],
      Resource: '*',
    },
    {
      Sid: 'ReadXacctDiscoveryParameters',
      Effect: 'Allow',
      Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
      Resource: sub(`arn:${P.partition}:ssm:*:${P.account}:parameter/${P.prefix}/*`),
    },
    {
      // Explicit, so no managed policy attached later can turn this role into a data reader.
      Sid: 'DenyDataReads',
      Effect: 'Deny',
      Action: [
        'kms:Decrypt', 's3:GetObject', 's3:GetObjectVersion', 'secretsmanager:GetSecretValue',
        'ssm:GetParameterHistory', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan',
      ],
      Resource: '*',
    },
  ];
}

/**
 * read-only-role — lands in every account of the target OUs (home region, via StackSets).
 * Discovery from the CI account: trusted by the pipeline and build roles; describe/list/get via
 * AWS's ViewOnlyAccess, CloudFormation describe and the tagging API; artifact and data reads and
 * decryption explicitly denied (decrypting SecureString parameters needs kms:Decrypt).
 */
export function readOnlyRole(config: Config): Template {
  const spec: RoleSpec = {
    id: READ_ONLY_ROLE,
    name: names.readOnlyRole,
    slug: 'read-only',
    description: 'Read-only discovery of this account by the xacct pipeline and build roles',
    trust: trustCiRoles([names.pipelineRole, names.buildRole]),
    managedPolicyArns: [partitioned('arn:aws:iam::aws:policy/job-function/ViewOnlyAccess')],
    inline: readOnlyStatements(),
  };
  return roleTemplate(config, 'xacct read-only-role (every target account): read-only discovery role', spec);
}
