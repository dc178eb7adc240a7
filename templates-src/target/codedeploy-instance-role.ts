import { IAM, Template } from '../cfn-types';
import type { Config } from '../config';
import { getAtt, ref, sub, P } from '../cfn';
import { names } from '../names';
import { artifactBucketArns, ciKeyUseViaS3, S3_ARTIFACT_READ } from '../policies/document';
import { roleTemplate, trustService, RoleSpec } from './role-template';

export const INSTANCE_ROLE = 'CodeDeployInstanceRole';
export const INSTANCE_PROFILE = 'CodeDeployInstanceProfile';

/**
 * Systems Manager's policy for managed instances: "Configure instance permissions required for
 * Systems Manager" (AWS Systems Manager User Guide) names AmazonSSMManagedInstanceCore for an
 * instance profile. The CodeDeploy agent is commonly installed and kept current through Systems
 * Manager, and Session Manager replaces SSH to these instances.
 */
export const SSM_MANAGED_INSTANCE_POLICY = 'AmazonSSMManagedInstanceCore';

/** CodeDeploy stages that name no instance role use `<prefix>-codedeploy-instance`, which this template creates. */
export function usesDefaultInstanceRole(config: Config): boolean {
  return config.pipelines.some((p) => p.stages.some((s) => s.codedeploy && s.codedeploy.instanceRoleName === undefined));
}

/**
 * codedeploy-instance-role (optional) — lands in every account of the target OUs (home region, via
 * StackSets) when a CodeDeploy stage names no instance role. `<prefix>-codedeploy-instance`, the EC2
 * role the CodeDeploy agent runs with: reads pipeline artifacts from the CI account's buckets and
 * decrypts them with the CI key through S3 (the key and bucket policies admit it by name), plus
 * Systems Manager's managed-instance policy; and the instance profile of the same name to launch
 * instances with.
 */
export function codedeployInstanceRole(config: Config): Template {
  const artifacts = artifactBucketArns(true);
  const spec: RoleSpec = {
    id: INSTANCE_ROLE,
    name: names.codedeployInstanceRole,
    slug: 'codedeploy-instance',
    description: 'EC2 instances of CodeDeploy deployment groups: read pipeline artifacts from the CI account',
    // "IAM roles for Amazon EC2": EC2 assumes the role for the instance, through the instance profile.
    trust: trustService('ec2.amazonaws.com'),
    inline: [
      { Sid: 'ReadArtifacts', Effect: 'Allow', Action: S3_ARTIFACT_READ, Resource: artifacts.objects },
      ciKeyUseViaS3('DecryptArtifactsThroughS3', true),
    ],
    managedPolicyArns: [sub(`arn:${P.partition}:iam::aws:policy/${SSM_MANAGED_INSTANCE_POLICY}`)],
  };
  const profile = {
    [INSTANCE_PROFILE]: new IAM.InstanceProfile({ InstanceProfileName: sub(names.codedeployInstanceProfile(P.prefix)), Roles: [ref(INSTANCE_ROLE)] }),
  };
  const t = roleTemplate(config, 'xacct codedeploy-instance-role (every target account): EC2 instance role and profile for CodeDeploy', spec, profile);
  t.Outputs = {
    ...t.Outputs,
    CodeDeployInstanceProfileName: {
      Description: 'Instance profile to launch CodeDeploy instances with',
      Value: ref(INSTANCE_PROFILE),
      Export: { Name: sub(names.export(P.prefix, 'codedeploy-instance-profile-name')) },
    },
    CodeDeployInstanceProfileArn: { Description: 'ARN of that instance profile', Value: getAtt(INSTANCE_PROFILE, 'Arn') },
  };
  return t;
}
