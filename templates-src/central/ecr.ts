/**
 * ecr (optional) — lands in the CI account (an ordinary stack in the home region). One ECR
 * repository per configured name, `<prefix>/<name>`: tags immutable, images scanned on push,
 * encrypted with the artifact key (or ECR's AES256), a lifecycle policy, and a repository policy
 * that lets principals of the target OUs pull. Each repository's URI is published as an export and
 * an SSM parameter.
 */
import { ECR, SSM, Template } from '../cfn-types';
import type { Config } from '../config';
import { getAtt, importValue, merge, orgParameters, ref, retain, sub, tags, P } from '../cfn';
import { names } from '../names';
import { pascal } from './pipeline-plan';
import { ECR_PULL, readerPolicy } from '../policies/stores';

/**
 * "Lifecycle policy properties in Amazon ECR": rules apply lowest rulePriority first, and "A rule
 * with a tagStatus value of any must have the highest value for rulePriority and be evaluated last".
 */
export function lifecyclePolicy(untaggedDays: number, keep: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `expire untagged images after ${untaggedDays} days`,
        selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: untaggedDays },
        action: { type: 'expire' },
      },
      {
        rulePriority: 2,
        description: `keep the newest ${keep} images`,
        selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: keep },
        action: { type: 'expire' },
      },
    ],
  });
}

/** The logical ID of a repository (`Repository<Name>`); its outputs and parameter derive from it. */
export const repositoryId = (name: string) => `Repository${pascal(name)}`;

function repository(cfg: Config, config: NonNullable<Config['ecr']>, name: string): Template {
  const id = repositoryId(name);
  // "Encryption at rest" (Amazon ECR): set when the repository is created; the key must be in the
  // repository's region, and ECR creates grants on it for the repository, through which pulls decrypt.
  const encryption =
    config.encryption === 'KMS'
      ? { EncryptionType: 'KMS', KmsKey: importValue(sub(names.export(P.prefix, 'artifact-key-arn'))) }
      : { EncryptionType: 'AES256' };
  return {
    Resources: {
      [id]: retain(
        new ECR.Repository({
          RepositoryName: sub(names.ecrRepository(P.prefix, name)),
          ImageTagMutability: 'IMMUTABLE',
          ImageScanningConfiguration: { ScanOnPush: true },
          EncryptionConfiguration: encryption,
          LifecyclePolicy: { LifecyclePolicyText: lifecyclePolicy(config.untaggedImageDays, config.keepImages) },
          // "Private repository policies": a repository policy names no Resource (the repository is implied).
          RepositoryPolicyText: readerPolicy(cfg, { Sid: 'TargetAccountsPull', Action: ECR_PULL }, config.pullRoles),
          Tags: tags(ref('Prefix')),
        }),
      ),
      [`${id}UriParameter`]: new SSM.Parameter({
        Name: sub(names.ssm(P.prefix, `ecr/${name}/uri`)),
        Type: 'String',
        Value: getAtt(id, 'RepositoryUri'),
        Description: `URI of the xacct ECR repository ${name}`,
      }),
    },
    Outputs: {
      [`${id}Uri`]: {
        Description: `URI of the ${name} repository`,
        Value: getAtt(id, 'RepositoryUri'),
        Export: { Name: sub(names.export(P.prefix, `ecr-${name}-uri`)) },
      },
      [`${id}Arn`]: { Description: `ARN of the ${name} repository`, Value: getAtt(id, 'Arn') },
    },
  };
}

export function ecrRepositories(config: Config): Template {
  const ecr = config.ecr;
  if (!ecr) throw new Error('ecr: the config has no ecr section');
  const description = 'xacct ecr (CI account): container image repositories the target accounts pull from';
  return merge(description, { Parameters: orgParameters(config, []) }, ...ecr.repositories.map((r) => repository(config, ecr, r)));
}
