import { Template } from '../cfn-types';
import type { Config } from '../config';
import { names } from '../names';
import { artifactBucketArns, ciKeyUseViaS3, S3_ARTIFACT_READ } from '../policies/document';
import { roleTemplate, trustService, RoleSpec } from './role-template';

export const AUTOMATION_ROLE = 'AutomationRole';

/**
 * automation-role (optional) — lands in every account of the target OUs (home region, via StackSets).
 * For CodeBuild projects or Lambda functions running in a target account: read artifact objects and
 * decrypt them with the CI key through S3, nothing else.
 */
export function automationRole(config: Config): Template {
  const artifacts = artifactBucketArns(true);
  const spec: RoleSpec = {
    id: AUTOMATION_ROLE,
    name: names.automationRole,
    slug: 'automation',
    description: 'For CodeBuild or Lambda in this account: read pipeline artifacts from the CI account',
    trust: trustService('codebuild.amazonaws.com', 'lambda.amazonaws.com'),
    inline: [
      { Sid: 'ReadArtifacts', Effect: 'Allow', Action: S3_ARTIFACT_READ, Resource: artifacts.objects },
      ciKeyUseViaS3('DecryptArtifactsThroughS3', true),
    ],
  };
  return roleTemplate(config, 'xacct automation-role (every target account): reads pipeline artifacts', spec);
}
