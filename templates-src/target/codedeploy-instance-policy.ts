import { IAM, Template } from '../cfn-types';
import type { Config } from '../config';
import { parameters, ref, sub, P } from '../cfn';
import { names } from '../names';
import { artifactBucketArns, ciKeyUseViaS3, policy, S3_ARTIFACT_READ } from '../policies/document';

export const INSTANCE_POLICY = 'CodeDeployInstancePolicy';

/**
 * codedeploy-instance-policy — lands in every account of the target OUs (home region, via StackSets).
 * A managed policy for the EC2 instance role the CodeDeploy agent uses: read artifact objects from
 * the CI account's buckets and decrypt them with the CI key through S3. The key and bucket policies
 * admit the instance role named in the CodeDeploy stage (default `<prefix>-codedeploy-instance`).
 */
export function codedeployInstancePolicy(config: Config): Template {
  const artifacts = artifactBucketArns(true);
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'xacct codedeploy-instance-policy (every target account): artifact access for CodeDeploy instances',
    Parameters: { Prefix: parameters.Prefix(config.prefix), CiAccountId: parameters.CiAccountId() },
    Resources: {
      [INSTANCE_POLICY]: new IAM.ManagedPolicy({
        ManagedPolicyName: sub(names.codedeployInstancePolicy(P.prefix)),
        Description: 'Attach to the EC2 instance role used by CodeDeploy: read xacct pipeline artifacts',
        PolicyDocument: policy(
          { Sid: 'ReadArtifacts', Effect: 'Allow', Action: S3_ARTIFACT_READ, Resource: artifacts.objects },
          ciKeyUseViaS3('DecryptArtifactsThroughS3', true),
        ),
      }),
    },
    Outputs: {
      CodeDeployInstancePolicyArn: {
        Description: 'ARN of the managed policy to attach to CodeDeploy instance roles',
        Value: ref(INSTANCE_POLICY),
        Export: { Name: sub(names.export(P.prefix, 'codedeploy-instance-policy-arn')) },
      },
    },
  };
}
