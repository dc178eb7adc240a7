/**
 * The registry: every template xacct produces, where it deploys, and the order a deploy takes.
 * Builders are pure: (config) => Template. Nothing here reads the environment or calls AWS.
 */
import { Template } from './cfn-types';
import type { Config } from './config';
import { kmsKey } from './central/kms-key';
import { buckets } from './central/buckets';
import { crossAccountRole } from './target/cross-account-role';
import { cloudformationRole } from './target/cloudformation-role';
import { readOnlyRole } from './target/read-only-role';
import { automationRole } from './target/automation-role';
import { codedeployInstancePolicy } from './target/codedeploy-instance-policy';
import { codedeployInstanceRole, usesDefaultInstanceRole } from './target/codedeploy-instance-role';
import { pipelineTemplate } from './central/pipeline';
import { extraRegions } from './central/pipeline-plan';
import { regionalStore } from './central/regional-store';
import { ecrRepositories } from './central/ecr';
import { codeartifactRepository } from './central/codeartifact';
import { githubOidcRoleFromConfig } from './central/github-oidc-role';
import { codecommitSource } from './source/codecommit-source';
import { sourceAccounts } from './policies/document';

/** central: an ordinary stack in the CI account; target: a StackSet to every account in the target OUs; source: a StackSet to the source account. */
export type Placement = 'central' | 'target' | 'source';

/**
 * What the deployer learns from AWS before it builds anything: who the CI account is, which
 * organization, and each target group resolved to OU IDs, ID paths and ACTIVE accounts.
 * Builders receive it only at deploy time; `dist/` is built without it (values become Parameters).
 */
export interface DeployContext {
  ciAccountId: string;
  organizationId: string;
  targets: Record<string, ResolvedTarget>;
  /** ARN of the home-region artifact key (output ArtifactKeyArn of the kms-key stack), once it exists. */
  artifactKeyArn?: string;
  /** The OU (or root) each source account sits in: source StackSets reach their one account through it. */
  accountOus?: Record<string, string>;
  /** stackset: stages and selfUpdate: keys in the templates bucket of xacct's engine and of the resolved config it reads. */
  rollout?: { engineKey: string; configKey: string };
}

export interface ResolvedTarget {
  /** `ou-...` or `r-...` IDs, one per configured OU reference, in config order. */
  ouIds: string[];
  /** `o-.../r-.../ou-.../*` paths for `aws:PrincipalOrgPaths`. */
  orgPaths: string[];
  /**
   * ACTIVE member accounts under those OUs (nested OUs included, management account excluded), sorted,
   * and the accounts the group names. Listed only for groups a pipeline stage deploys to; for the
   * others only the named accounts.
   */
  accounts: string[];
  /** The accounts the group names (targets.<name>.accounts), each with the OU (or root) it sits in. */
  accountOus?: Record<string, string>;
}

export interface TemplateEntry {
  name: string;
  placement: Placement;
  /** Deploy order: lower first. Target roles precede the pipeline, which checks its action roles exist. */
  order: number;
  summary: string;
  /** Source templates get the instance they are built for (absent: the building block of `dist/`). */
  build: (config: Config, ctx?: DeployContext, instance?: SourceInstance) => Template;
  enabled: (config: Config) => boolean;
  /**
   * Central templates deployed once per region other than the home region (the regional artifact
   * stores). Absent: one stack in the home region. Target/source StackSets always get home-region
   * instances only: IAM is global.
   */
  regions?: (config: Config) => string[];
  /** Written to `dist/` even when this config does not deploy it, as a documented building block. */
  inDist?: boolean;
  /**
   * Source templates: one StackSet per instance, deployed to that one account (through its OU,
   * filtered to the account), with its own body (`build` with the instance) and these Parameter
   * values. StackSet name: `<prefix>-<name>-<suffix>`.
   */
  instances?: (config: Config) => SourceInstance[];
}

export interface SourceInstance {
  suffix: string;
  account: string;
  parameters: Record<string, string>;
}

/** The name of a template as built: the entry's, or `<name>-<suffix>` for one instance of a source entry (its file in `dist/`). */
export function builtName(entry: Pick<TemplateEntry, 'name'>, instance?: Pick<SourceInstance, 'suffix'>): string {
  return instance ? `${entry.name}-${instance.suffix}` : entry.name;
}

/** The instance of a source entry that deploys to `account`. */
export function instanceFor(entry: TemplateEntry, config: Config, account: string | undefined): SourceInstance | undefined {
  return account === undefined ? undefined : entry.instances?.(config).find((i) => i.account === account);
}

const always = () => true;
const hasCodeDeploy = (c: Config) => c.pipelines.some((p) => p.stages.some((s) => s.codedeploy));

/**
 * One source StackSet per account holding repositories that pipelines read, named after the account:
 * its fixed-name roles exist once per account (IAM names are account-global), whatever the number of
 * pipelines and repositories.
 */
function sourceInstances(config: Config): SourceInstance[] {
  return sourceAccounts(config).map((account) => ({ suffix: account, account, parameters: {} }));
}

export const registry: TemplateEntry[] = [
  {
    name: 'cross-account-role',
    placement: 'target',
    order: 10,
    summary: 'Role the pipeline assumes to deploy into the account',
    build: crossAccountRole,
    enabled: always,
  },
  {
    name: 'cloudformation-role',
    placement: 'target',
    order: 10,
    summary: 'CloudFormation execution role with a permissions boundary',
    build: cloudformationRole,
    enabled: always,
  },
  { name: 'read-only-role', placement: 'target', order: 10, summary: 'Read-only discovery role', build: readOnlyRole, enabled: always },
  {
    name: 'automation-role',
    placement: 'target',
    order: 10,
    summary: 'Artifact reader for CodeBuild/Lambda in target accounts',
    build: automationRole,
    enabled: (c) => c.automationRole,
  },
  {
    name: 'codedeploy-instance-policy',
    placement: 'target',
    order: 10,
    summary: 'Managed policy for CodeDeploy instance roles to read artifacts',
    build: codedeployInstancePolicy,
    enabled: hasCodeDeploy,
    inDist: true,
  },
  {
    name: 'codedeploy-instance-role',
    placement: 'target',
    order: 10,
    summary: 'EC2 instance role and profile for CodeDeploy stages that name no instance role',
    build: codedeployInstanceRole,
    enabled: usesDefaultInstanceRole,
    inDist: true,
  },
  {
    name: 'codecommit-source',
    placement: 'source',
    order: 15,
    summary: 'Source-access role and event forwarding for every repository a pipeline reads in that account',
    build: (c, _ctx, instance) => codecommitSource(c, instance?.account),
    enabled: (c) => sourceInstances(c).length > 0,
    inDist: true,
    instances: sourceInstances,
  },
  // First of the central stacks: when GitHub's deploy role runs xacct, its policy must be current before the other stacks change.
  {
    name: 'github-oidc-role',
    placement: 'central',
    order: 18,
    summary: 'Roles GitHub Actions workflows assume through OIDC to run xacct plan and deploy',
    build: githubOidcRoleFromConfig,
    enabled: (c) => c.github !== undefined,
  },
  { name: 'kms-key', placement: 'central', order: 20, summary: 'Customer-managed key for pipeline artifacts', build: kmsKey, enabled: always },
  {
    name: 'regional-store',
    placement: 'central',
    order: 25,
    summary: 'Artifact key replica and buckets for each extra pipeline region',
    build: regionalStore,
    enabled: (c) => extraRegions(c).length > 0,
    inDist: true,
    regions: extraRegions,
  },
  { name: 'buckets', placement: 'central', order: 25, summary: 'Artifact, templates and access-log buckets', build: buckets, enabled: always },
  {
    name: 'ecr',
    placement: 'central',
    order: 25,
    summary: 'ECR repositories the target accounts pull images from',
    build: ecrRepositories,
    enabled: (c) => c.ecr !== undefined,
  },
  {
    name: 'codeartifact',
    placement: 'central',
    order: 25,
    summary: 'CodeArtifact domain and repository the target accounts read packages from',
    build: codeartifactRepository,
    enabled: (c) => c.codeartifact !== undefined,
  },
  {
    name: 'pipeline',
    placement: 'central',
    order: 40,
    summary: 'Pipelines, build projects, their roles and triggers',
    build: pipelineTemplate,
    enabled: (c) => c.pipelines.length > 0,
  },
];

const byOrder = (a: TemplateEntry, b: TemplateEntry) => a.order - b.order || a.name.localeCompare(b.name);

/** What `xacct deploy` deploys for this config, in order. */
export function enabledTemplates(config: Config): TemplateEntry[] {
  return registry.filter((t) => t.enabled(config)).sort(byOrder);
}

/**
 * What `dist/` holds for this config: the templates it deploys, plus the documented building blocks
 * when asked for (`xacct build --building-blocks`): those do not work with this config's key, bucket
 * and pipeline templates, which admit only the roles this config deploys.
 */
export function distTemplates(config: Config, buildingBlocks = false): TemplateEntry[] {
  return registry.filter((t) => t.enabled(config) || (buildingBlocks && t.inDist)).sort(byOrder);
}

/** Every OU ID and org path across all target groups (what target StackSets deploy to). */
export function allTargetOus(ctx: DeployContext): { ouIds: string[]; orgPaths: string[] } {
  const ouIds = new Set<string>();
  const orgPaths = new Set<string>();
  for (const t of Object.values(ctx.targets)) {
    t.ouIds.forEach((o) => ouIds.add(o));
    t.orgPaths.forEach((o) => orgPaths.add(o));
  }
  return { ouIds: [...ouIds].sort(), orgPaths: [...orgPaths].sort() };
}

/**
 * Values for a template's Parameters at deploy time. Parameters not listed here keep their
 * template defaults (which come from the config).
 */
export function parameterValues(parameterNames: string[], config: Config, ctx: DeployContext): Record<string, string> {
  const known: Record<string, string> = {
    Prefix: config.prefix,
    HomeRegion: config.homeRegion,
    OrganizationId: ctx.organizationId,
    CiAccountId: ctx.ciAccountId,
    TargetOrgPaths: allTargetOus(ctx).orgPaths.join(','),
    ...(ctx.artifactKeyArn ? { PrimaryKeyArn: ctx.artifactKeyArn } : {}),
  };
  const out: Record<string, string> = {};
  for (const name of parameterNames) if (name in known) out[name] = known[name];
  return out;
}
