import { KMS, Template } from '../cfn-types';
import type { Config } from '../config';
import { getAtt, merge, orgParameters, parameters, ref, retain, sub, tags, P } from '../cfn';
import { names } from '../names';
import { sourceAccounts } from '../policies/document';
import { BUCKET_IDS, bucketResources } from './buckets';
import { artifactKeyPolicy } from './kms-key';

export const REPLICA_KEY = 'ArtifactKeyReplica';

/**
 * regional-store — lands in the CI account, once in each region other than the home region where a
 * pipeline action runs. A replica of the multi-Region artifact key (same key policy) and the same
 * hardened artifact, templates and access-log buckets as the home region.
 */
export function regionalStore(config: Config): Template {
  const description = 'xacct regional-store (CI account, each extra pipeline region): artifact key replica and buckets';
  const replica: Template = {
    Parameters: { ...orgParameters(config, sourceAccounts(config)), PrimaryKeyArn: parameters.PrimaryKeyArn() },
    Resources: {
      [REPLICA_KEY]: retain(
        new KMS.ReplicaKey({
          PrimaryKeyArn: ref('PrimaryKeyArn'),
          Description: sub(`${P.prefix} pipeline artifacts (${P.region} replica)`),
          PendingWindowInDays: 30,
          KeyPolicy: artifactKeyPolicy(config),
          Tags: tags(ref('Prefix')),
        }),
      ),
      ArtifactKeyReplicaAlias: new KMS.Alias({ AliasName: sub(names.keyAlias(P.prefix)), TargetKeyId: ref(REPLICA_KEY) }),
    },
    Outputs: {
      ArtifactKeyArn: {
        Description: 'ARN of the artifact key replica in this region',
        Value: getAtt(REPLICA_KEY, 'Arn'),
        Export: { Name: sub(names.export(P.prefix, 'artifact-key-arn')) },
      },
      ArtifactBucketName: {
        Description: 'Name of the artifact bucket in this region',
        Value: ref(BUCKET_IDS.artifacts),
        Export: { Name: sub(names.export(P.prefix, 'artifacts-bucket')) },
      },
    },
  };
  return merge(description, replica, bucketResources(config, getAtt(REPLICA_KEY, 'Arn')));
}
