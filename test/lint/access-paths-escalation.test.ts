/**
 * Escalation proofs for the CloudFormation role's permissions boundary. Each request is evaluated by
 * iam-simulate with the role's real identity policies (the config's managed policies, resolved to
 * AWS's documents: AdministratorAccess by default) and the generated boundary as its permissions
 * boundary. Every method of the Rhino Security Labs catalogue ("AWS IAM Privilege Escalation –
 * Methods and Mitigation", parts 1 and 2) that the boundary covers must come out ExplicitlyDenied:
 * denied by the boundary itself, not merely missing from the identity. The ordinary operations of
 * SAM and CDK app stacks must come out Allowed. The methods the boundary does not cover are proven
 * to stay Allowed, so README.md's "does not cover" list cannot quietly go stale.
 */
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDist } from '../../templates-src/build';
import { Config, defaultConfig, parseConfig } from '../../templates-src/config';
import { names } from '../../templates-src/names';
import { CI, decide, deployedValues, Request, roleAccess, TARGET, TARGET_PATH, templateOf } from './access-support';
import { FIXTURES } from '../support/build';

const twoOus = (): Config => parseConfig(parse(readFileSync(join(FIXTURES, 'configs', 'two-ous.yml'), 'utf8')), 'two-ous.yml');

/** default: AdministratorAccess; two-ous: PowerUserAccess and IAMFullAccess, stack patterns `payments-*` and `ledger`. */
const CONFIGS: Array<[string, () => Config]> = [
  ['default', defaultConfig],
  ['two-ous', twoOus],
];

describe.each(CONFIGS)('the cfn-exec permissions boundary (%s config)', (_, load) => {
  const config = load();
  const p = config.prefix;
  const region = config.homeRegion;
  const t = templateOf(buildDist(config).templates, 'cloudformation-role');
  const values = deployedValues(t, TARGET, { Prefix: p, 'AWS::Partition': 'aws', 'AWS::Region': region, 'AWS::URLSuffix': 'amazonaws.com' });
  const { identity, boundary } = roleAccess(t, 'CloudFormationRole', values);
  const cfnExec = `arn:aws:iam::${TARGET}:role/${names.cfnExecRole(p)}`;
  const boundaryArn = `arn:aws:iam::${TARGET}:policy/${names.permissionsBoundary(p)}`;
  // The first stack an app stage deploys, and names CloudFormation gives what that stack creates.
  const stack = config.pipelines.flatMap((pl) => pl.stages.flatMap((s) => (s.cloudformation ? [s.cloudformation.stackName] : [])))[0];
  const appRole = `arn:aws:iam::${TARGET}:role/${stack}-HelloFunctionRole-1A2B3C4D5E6F`;
  const iam = (kind: string, name: string) => `arn:aws:iam::${TARGET}:${kind}/${name}`;

  const request = (action: string, resource: string, context: Record<string, string> = {}): Request => ({
    principal: cfnExec,
    orgPath: TARGET_PATH,
    action,
    resource,
    resourceAccount: resource.split(':')[4] || TARGET,
    identity,
    boundary,
    context,
  });
  const withBoundary = { 'iam:PermissionsBoundary': boundaryArn };
  const denied = async (action: string, resource: string, context: Record<string, string> = {}) =>
    expect(await decide(request(action, resource, context))).toBe('ExplicitlyDenied');
  const allowed = async (action: string, resource: string, context: Record<string, string> = {}) =>
    expect(await decide(request(action, resource, context))).toBe('Allowed');

  test('the boundary is in place and the role carries it', () => {
    expect(boundary).toBeDefined();
    expect(config.cloudformationRole.permissionsBoundary).toBe(true);
  });

  describe('Rhino catalogue, denied', () => {
    test("1, 2: a new or default version of a customer managed policy that is not the app stacks'", async () => {
      await denied('iam:CreatePolicyVersion', iam('policy', 'TeamAdministrators'));
      await denied('iam:SetDefaultPolicyVersion', iam('policy', 'TeamAdministrators'));
      await denied('iam:DeletePolicyVersion', iam('policy', 'TeamAdministrators'));
    });
    test("3, 15-17, 19, 22, 24, 27: passing a role that is not the app stacks' to any service", async () => {
      for (const service of [
        'ec2.amazonaws.com',
        'lambda.amazonaws.com',
        'glue.amazonaws.com',
        'datapipeline.amazonaws.com',
        'codestar.amazonaws.com',
        'sagemaker.amazonaws.com',
        'cloudformation.amazonaws.com',
      ]) {
        await denied('iam:PassRole', iam('role', 'ops-admin'), { 'iam:PassedToService': service });
      }
    });
    test('4-6: access keys and console passwords of existing users', async () => {
      for (const action of [
        'iam:CreateAccessKey',
        'iam:UpdateAccessKey',
        'iam:CreateLoginProfile',
        'iam:UpdateLoginProfile',
        'iam:UploadSSHPublicKey',
        'iam:CreateServiceSpecificCredential',
        'iam:DeactivateMFADevice',
      ]) {
        await denied(action, iam('user', 'alice'));
      }
    });
    test('7, 10: policies on users, with or without a boundary', async () => {
      for (const action of ['iam:AttachUserPolicy', 'iam:PutUserPolicy', 'iam:CreateUser']) {
        await denied(action, iam('user', 'alice'));
        await denied(action, iam('user', 'alice'), withBoundary);
      }
    });
    test('8, 11, 13: group policies and membership', async () => {
      for (const action of ['iam:AttachGroupPolicy', 'iam:PutGroupPolicy', 'iam:AddUserToGroup', 'iam:DetachGroupPolicy'])
        await denied(action, iam('group', 'Administrators'));
    });
    test('9, 12: policies on roles that do not carry this boundary', async () => {
      for (const action of ['iam:AttachRolePolicy', 'iam:PutRolePolicy', 'iam:DetachRolePolicy', 'iam:DeleteRolePolicy']) {
        await denied(action, iam('role', 'ops-admin'));
        await denied(action, iam('role', 'ops-admin'), { 'iam:PermissionsBoundary': iam('policy', 'SomeOtherBoundary') });
      }
    });
    test('14: trust-policy changes on privileged roles, whatever boundary they report, and on any role without this one', async () => {
      for (const name of ['OrganizationAccountAccessRole', 'stacksets-exec-0123456789abcdef0123456789abcdef', 'AWSControlTowerExecution']) {
        await denied('iam:UpdateAssumeRolePolicy', iam('role', name));
        await denied('iam:PassRole', iam('role', name), { 'iam:PassedToService': 'lambda.amazonaws.com' });
        await denied('iam:TagRole', iam('role', name));
      }
      await denied('iam:UpdateAssumeRolePolicy', iam('role', 'ops-admin'));
    });
    test("14: assuming a role of this account (or a privileged one anywhere) that is not the app stacks'", async () => {
      await denied('sts:AssumeRole', iam('role', 'ops-admin'));
      await denied('sts:AssumeRole', `arn:aws:iam::${CI}:role/OrganizationAccountAccessRole`);
      await denied('sts:AssumeRole', iam('role', `cdk-hnb659fds-deploy-role-${TARGET}-${region}`));
    });
    test("21: passing a privileged role to CloudFormation, and stack operations run with another stack's role", async () => {
      await denied('iam:PassRole', iam('role', `cdk-hnb659fds-cfn-exec-role-${TARGET}-${region}`), { 'iam:PassedToService': 'cloudformation.amazonaws.com' });
      const other = `arn:aws:cloudformation:${region}:${TARGET}:stack/CdkDeployedStack/0a1b2c3d-0000-1111-2222-333344445555`;
      for (const action of [
        'cloudformation:UpdateStack',
        'cloudformation:CreateChangeSet',
        'cloudformation:ContinueUpdateRollback',
        'cloudformation:RollbackStack',
      ]) {
        await denied(action, other);
        await denied(action, other, { 'cloudformation:RoleArn': iam('role', `cdk-hnb659fds-cfn-exec-role-${TARGET}-${region}`) });
      }
      await denied('cloudformation:UpdateStackSet', `arn:aws:cloudformation:${region}:${TARGET}:stackset/Baseline:0a1b2c3d-0000-1111-2222-333344445555`);
    });
  });

  describe('the boundary protects itself, this role and xacct', () => {
    test('roles cannot be created without it, or with another one', async () => {
      await denied('iam:CreateRole', appRole);
      await denied('iam:CreateRole', appRole, { 'iam:PermissionsBoundary': iam('policy', 'SomeOtherBoundary') });
      await denied('iam:PutRolePermissionsBoundary', appRole, { 'iam:PermissionsBoundary': iam('policy', 'SomeOtherBoundary') });
    });
    test('it cannot be removed, edited or deleted', async () => {
      await denied('iam:DeleteRolePermissionsBoundary', appRole, withBoundary);
      await denied('iam:DeleteRolePermissionsBoundary', cfnExec, withBoundary);
      for (const action of ['iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicy', 'iam:DeletePolicyVersion'])
        await denied(action, boundaryArn);
    });
    test('this role cannot change its own policies or trust, though it carries the boundary', async () => {
      for (const action of ['iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:DeleteRole'])
        await denied(action, cfnExec, withBoundary);
    });
    test('this role is passed only to CloudFormation (nested stacks run with it)', async () => {
      await allowed('iam:PassRole', cfnExec, { 'iam:PassedToService': 'cloudformation.amazonaws.com' });
      await denied('iam:PassRole', cfnExec, { 'iam:PassedToService': 'lambda.amazonaws.com' });
    });
    test("xacct's roles, managed policy and discovery parameters are out of reach", async () => {
      await denied('iam:UpdateAssumeRolePolicy', iam('role', names.crossAccountRole(p)));
      await denied('iam:PassRole', iam('role', names.crossAccountRole(p)), { 'iam:PassedToService': 'lambda.amazonaws.com' });
      await denied('iam:CreatePolicyVersion', iam('policy', names.codedeployInstancePolicy(p)));
      await denied('ssm:PutParameter', `arn:aws:ssm:${region}:${TARGET}:parameter/${p}/roles/cfn-exec`);
    });
    test('identity providers cannot be re-pointed and the account cannot leave the organization', async () => {
      await denied('iam:UpdateSAMLProvider', iam('saml-provider', 'CorporateIdP'));
      await denied('iam:AddClientIDToOpenIDConnectProvider', iam('oidc-provider', 'token.actions.githubusercontent.com'));
      await denied('organizations:LeaveOrganization', '*');
    });
  });

  describe('ordinary app stacks deploy unchanged', () => {
    test('a SAM function role or CDK custom-resource role that carries the boundary is created, given policies and deleted', async () => {
      for (const action of [
        'iam:CreateRole',
        'iam:AttachRolePolicy',
        'iam:PutRolePolicy',
        'iam:DeleteRolePolicy',
        'iam:UpdateAssumeRolePolicy',
        'iam:DeleteRole',
      ]) {
        await allowed(action, appRole, withBoundary);
      }
      await allowed('iam:TagRole', appRole);
    });
    test('the bounded role is passed to Lambda and the function created', async () => {
      await allowed('iam:PassRole', appRole, { 'iam:PassedToService': 'lambda.amazonaws.com' });
      await allowed('lambda:CreateFunction', `arn:aws:lambda:${region}:${TARGET}:function:${stack}-HelloFunction-1A2B3C4D5E6F`);
    });
    test("buckets, tables and the app stack's own managed policies", async () => {
      await allowed('s3:CreateBucket', `arn:aws:s3:::${stack}-assets-1a2b3c4d5e6f`);
      await allowed('dynamodb:CreateTable', `arn:aws:dynamodb:${region}:${TARGET}:table/${stack}-Orders-1A2B3C4D5E6F`);
      await allowed('iam:CreatePolicy', iam('policy', `${stack}-ReadOrders-1A2B3C4D5E6F`));
      await allowed('iam:CreatePolicyVersion', iam('policy', `${stack}-ReadOrders-1A2B3C4D5E6F`));
      await allowed('iam:CreateServiceLinkedRole', iam('role', 'aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS'));
    });
    test('nested stacks, created with this role', async () => {
      const nested = `arn:aws:cloudformation:${region}:${TARGET}:stack/${stack}-Database-1A2B3C4D5E6F/0a1b2c3d-0000-1111-2222-333344445555`;
      await allowed('cloudformation:CreateStack', nested, { 'cloudformation:RoleArn': cfnExec });
      await allowed('cloudformation:UpdateStack', nested, { 'cloudformation:RoleArn': cfnExec });
    });
  });

  describe('not covered (README: "What the boundary does not cover"), proven to stay Allowed', () => {
    test('18, 20, 26, 28: changing code or access of compute that already runs with a privileged role', async () => {
      await allowed('lambda:UpdateFunctionCode', `arn:aws:lambda:${region}:${TARGET}:function:nightly-admin-job`);
      await allowed('lambda:UpdateFunctionConfiguration', `arn:aws:lambda:${region}:${TARGET}:function:nightly-admin-job`);
      await allowed('glue:UpdateDevEndpoint', `arn:aws:glue:${region}:${TARGET}:devEndpoint/analytics`);
      await allowed('sagemaker:CreatePresignedNotebookInstanceUrl', `arn:aws:sagemaker:${region}:${TARGET}:notebook-instance/research`);
    });
    test('a role the app creates may trust any principal; its permissions stay bounded', async () => {
      await allowed('iam:UpdateAssumeRolePolicy', appRole, withBoundary);
    });
  });
});
