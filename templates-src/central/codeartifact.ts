/**
 * codeartifact (optional) — lands in the CI account (an ordinary stack in the home region). The
 * CodeArtifact domain `<prefix>-packages`, encrypted with the artifact key, and one repository in it
 * that principals of the target OUs may read packages from: the domain policy lets them get an
 * authorization token, the repository policy lets them read. Published as exports and SSM parameters.
 */
import { CodeArtifact, SSM, Template } from '../cfn-types';
import type { Config } from '../config';
import { getAtt, importValue, merge, orgParameters, ref, retain, sub, tags, P } from '../cfn';
import { names } from '../names';
import { CODEARTIFACT_READ, readerPolicy } from '../policies/stores';

export const DOMAIN = 'PackageDomain';
export const REPOSITORY = 'PackageRepository';

export function codeartifactRepository(config: Config): Template {
  const ca = config.codeartifact;
  if (!ca) throw new Error('codeartifact: the config has no codeartifact section');
  const resources: Template['Resources'] = {
    [DOMAIN]: retain(
      new CodeArtifact.Domain({
        DomainName: sub(names.codeartifactDomain(P.prefix)),
        // "CreateDomain" (CodeArtifact API): the key is fixed at creation; CodeArtifact supports only symmetric keys.
        EncryptionKey: importValue(sub(names.export(P.prefix, 'artifact-key-arn'))),
        // "Domain policies": a principal of another account needs GetAuthorizationToken on the domain to read its repositories.
        PermissionsPolicyDocument: readerPolicy(
          config,
          { Sid: 'TargetAccountsGetTokens', Action: 'codeartifact:GetAuthorizationToken', Resource: '*' },
          ca.readRoles,
        ),
        Tags: tags(ref('Prefix')),
      }),
    ),
    [REPOSITORY]: retain(
      new CodeArtifact.Repository({
        DomainName: getAtt(DOMAIN, 'Name'),
        RepositoryName: ca.repository,
        Description: 'xacct packages, read by the target accounts',
        // "Repository policies": a principal reads all packages of a repository or none.
        PermissionsPolicyDocument: readerPolicy(config, { Sid: 'TargetAccountsRead', Action: CODEARTIFACT_READ, Resource: '*' }, ca.readRoles),
        Tags: tags(ref('Prefix')),
      }),
    ),
    PackageDomainParameter: new SSM.Parameter({
      Name: sub(names.ssm(P.prefix, 'codeartifact/domain')),
      Type: 'String',
      Value: getAtt(DOMAIN, 'Name'),
      Description: 'xacct CodeArtifact domain',
    }),
    PackageRepositoryParameter: new SSM.Parameter({
      Name: sub(names.ssm(P.prefix, 'codeartifact/repository')),
      Type: 'String',
      Value: getAtt(REPOSITORY, 'Name'),
      Description: 'xacct CodeArtifact repository',
    }),
  };
  const outputs: Template['Outputs'] = {
    PackageDomainName: {
      Description: 'CodeArtifact domain (--domain)',
      Value: getAtt(DOMAIN, 'Name'),
      Export: { Name: sub(names.export(P.prefix, 'codeartifact-domain')) },
    },
    PackageDomainOwner: {
      Description: 'Account that owns the domain (--domain-owner)',
      Value: getAtt(DOMAIN, 'Owner'),
      Export: { Name: sub(names.export(P.prefix, 'codeartifact-domain-owner')) },
    },
    PackageRepositoryName: {
      Description: 'CodeArtifact repository (--repository)',
      Value: getAtt(REPOSITORY, 'Name'),
      Export: { Name: sub(names.export(P.prefix, 'codeartifact-repository')) },
    },
    PackageRepositoryArn: { Description: 'ARN of the repository', Value: getAtt(REPOSITORY, 'Arn') },
  };
  const description = 'xacct codeartifact (CI account): package domain and repository the target accounts read from';
  return merge(description, { Parameters: orgParameters(config, []) }, { Resources: resources, Outputs: outputs });
}
