/**
 * Every name that crosses an account boundary, derived from the prefix in one place.
 *
 * Each function takes plain strings. Templates pass CloudFormation `Fn::Sub` placeholders
 * (`names.crossAccountRole('${Prefix}')`) and wrap the result in `sub()`; the deployer passes real
 * values. Both therefore agree by construction on what a role, bucket or export is called.
 */

/** The longest region name AWS uses today (ap-southeast-5, us-isob-east-1, ...). */
export const LONGEST_REGION_LENGTH = 14;
const S3_BUCKET_MAX = 63;
const LONGEST_BUCKET_KIND = 'templates';

/** The longest prefix whose bucket names still fit S3's limit with account ID and region appended. */
export function maxPrefixLength(): number {
  const suffix = `-${LONGEST_BUCKET_KIND}-${'0'.repeat(12)}-${'x'.repeat(LONGEST_REGION_LENGTH)}`;
  return S3_BUCKET_MAX - suffix.length;
}

export type BucketKind = 'artifacts' | 'templates' | 'logs';

/** The tag on everything xacct deploys (stacks, StackSets, their resources): how inventory finds it. */
export const PREFIX_TAG = 'xacct:prefix';

export const names = {
  // IAM roles (global, fixed names so policies in other accounts can name them before they exist).
  pipelineRole: (p: string) => `${p}-pipeline`,
  buildRole: (p: string) => `${p}-build`,
  eventsRole: (p: string) => `${p}-events`,
  crossAccountRole: (p: string) => `${p}-cross-account`,
  cfnExecRole: (p: string) => `${p}-cfn-exec`,
  readOnlyRole: (p: string) => `${p}-read-only`,
  automationRole: (p: string) => `${p}-automation`,
  sourceAccessRole: (p: string) => `${p}-source-access`,
  sourceEventsRole: (p: string) => `${p}-source-events`,
  permissionsBoundary: (p: string) => `${p}-cfn-boundary`,
  codedeployInstancePolicy: (p: string) => `${p}-codedeploy-instance`,
  codedeployInstanceRole: (p: string) => `${p}-codedeploy-instance`,
  // The instance profile EC2 instances launch with to get that role (the console names them alike).
  codedeployInstanceProfile: (p: string) => `${p}-codedeploy-instance`,
  // GitHub Actions through OIDC (CI account): deploys from the named branch, plans on pull requests.
  githubDeployRole: (p: string) => `${p}-github-deploy`,
  githubPlanRole: (p: string) => `${p}-github-plan`,
  // stackset: stages (CodeBuild in the CI account running xacct's StackSet engine) and selfUpdate.
  stacksetDeployRole: (p: string) => `${p}-stackset-deploy`,
  selfUpdateRole: (p: string) => `${p}-self-update`,
  // Their default inline policies: the deployer's own policy, and its read-only part for plan.
  deployerPolicy: (p: string) => `${p}-deployer`,
  plannerPolicy: (p: string) => `${p}-planner`,

  // Buckets carry account and region: S3 names are global.
  bucket: (p: string, kind: BucketKind, account: string, region: string) => `${p}-${kind}-${account}-${region}`,
  keyAlias: (p: string) => `alias/${p}-artifacts`,

  // Container and package stores of the CI account, read from the target accounts.
  ecrRepository: (p: string, name: string) => `${p}/${name}`,
  codeartifactDomain: (p: string) => `${p}-packages`,

  // Stacks and StackSets.
  stack: (p: string, template: string) => `${p}-${template}`,
  /** A CI-account stack; templates deployed once per extra region carry the region. */
  centralStack: (p: string, template: string, region?: string) => (region ? `${p}-${template}-${region}` : `${p}-${template}`),
  stackSet: (p: string, template: string) => `${p}-${template}`,
  /**
   * A target template's StackSet for the accounts named in targets (not their whole OUs): auto-deployment
   * off, since "Automatic deployments do not consider account level targeting filters" (User Guide,
   * "Enable or disable automatic deployments for StackSets in AWS Organizations").
   */
  accountsStackSet: (p: string, template: string) => `${p}-${template}-accounts`,
  /** A StackSet aimed at one source account (one instance of a source template). */
  sourceStackSet: (p: string, template: string, suffix: string) => `${p}-${template}-${suffix}`,
  pipelineName: (p: string, pipeline: string) => `${p}-${pipeline}`,
  buildProject: (p: string, pipeline: string) => `${p}-${pipeline}-build`,
  rolloutProject: (p: string, pipeline: string) => `${p}-${pipeline}-rollout`,
  selfUpdateProject: (p: string, pipeline: string) => `${p}-${pipeline}-self-update`,
  /** The service-managed StackSet of a stackset: stage, administered from the home region. */
  stageStackSet: (p: string, pipeline: string, stage: string) => `${p}-${pipeline}-${stage}`,
  // Objects in the templates bucket (content-hashed) and the artifact bucket (per pipeline execution).
  engineKey: (hash: string) => `xacct/engine/${hash}.js`,
  rolloutConfigKey: (hash: string) => `xacct/config/${hash}.json`,
  stageTemplateKey: (stackSet: string, hash: string) => `xacct/templates/${stackSet}/${hash}.json`,
  previewKey: (pipeline: string, stage: string, execution: string) => `xacct/previews/${pipeline}/${stage}/${execution}.txt`,

  // Discovery: CloudFormation exports and SSM parameters.
  export: (p: string, what: string) => `${p}-${what}`,
  ssm: (p: string, what: string) => `/${p}/${what}`,
  // The boundary app stacks put on the roles they create (published in every target account).
  permissionsBoundaryExport: (p: string) => `${p}-permissions-boundary-arn`,
  permissionsBoundaryParameter: (p: string) => `/${p}/permissions-boundary-arn`,
} as const;

/**
 * GitHub's OIDC issuer host: the IAM OIDC provider's URL without `https://`, the last part of the
 * provider's ARN and the prefix of its condition keys (`token.actions.githubusercontent.com:sub`).
 */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/** ARN of the account's IAM OIDC provider for GitHub Actions (one per issuer URL and account). */
export function githubOidcProviderArn(partition: string, account: string): string {
  return `arn:${partition}:iam::${account}:oidc-provider/${GITHUB_OIDC_HOST}`;
}

/** ARN of a role named `name` in `account` (`*` for any account). */
export function roleArn(partition: string, account: string, name: string): string {
  return `arn:${partition}:iam::${account}:role/${name}`;
}
