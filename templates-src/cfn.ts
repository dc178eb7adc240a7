/**
 * Small helpers over cloudform's typed model: intrinsic functions in the short forms CloudFormation
 * reads best, the shared template Parameters, synthesis to plain JSON, and a merge that refuses
 * duplicate logical IDs.
 */
import { IntrinsicFunction, Template, Value, StringParameter, CommaDelimitedListParameter, ResourceTag, DeletionPolicy } from './cfn-types';
import type Resource from 'cloudform-types/types/resource';
import type Parameter from 'cloudform-types/types/parameter';
import { maxPrefixLength, PREFIX_TAG } from './names';
import { hasTargetOus, namedTargetAccounts } from './targets';

/** `{"Fn::Sub": "..."}` in the one-argument form (cloudform always emits the two-argument form). */
export function sub(text: string): IntrinsicFunction {
  return new IntrinsicFunction('Fn::Sub', text);
}
export function ref(name: string): IntrinsicFunction {
  return new IntrinsicFunction('Ref', name);
}
export function getAtt(resource: string, attribute: string): IntrinsicFunction {
  return new IntrinsicFunction('Fn::GetAtt', [resource, attribute]);
}
export function importValue(name: Value<string>): IntrinsicFunction {
  return new IntrinsicFunction('Fn::ImportValue', name);
}
export function fnIf(condition: string, whenTrue: unknown, whenFalse: unknown): IntrinsicFunction {
  return new IntrinsicFunction('Fn::If', [condition, whenTrue, whenFalse]);
}
export const noValue = new IntrinsicFunction('Ref', 'AWS::NoValue');

/** Placeholders for `sub()`, so template text reads like the names it produces. */
export const P = {
  prefix: '${Prefix}',
  partition: '${AWS::Partition}',
  account: '${AWS::AccountId}',
  region: '${AWS::Region}',
  ciAccount: '${CiAccountId}',
  homeRegion: '${HomeRegion}',
} as const;

/** Plain JSON: what CloudFormation receives. Intrinsics become their `toJSON` forms. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface CfnTemplate {
  AWSTemplateFormatVersion: '2010-09-09';
  Description: string;
  Metadata?: Record<string, Json>;
  Parameters?: Record<string, Record<string, Json>>;
  Conditions?: Record<string, Json>;
  Resources: Record<string, { Type: string; Properties?: Record<string, Json>; [key: string]: Json | undefined }>;
  Outputs?: Record<string, { Value: Json; Description?: string; Export?: { Name: Json }; Condition?: string }>;
}

export function synth(template: Template): CfnTemplate {
  return JSON.parse(JSON.stringify(template)) as CfnTemplate;
}

/**
 * Merge template fragments. A logical ID defined twice is a bug in a builder, never something to
 * resolve silently, so it throws naming the section and the ID.
 */
export function merge(description: string, ...parts: Template[]): Template {
  const sections = ['Metadata', 'Parameters', 'Mappings', 'Conditions', 'Resources', 'Outputs'] as const;
  const out: Template = { AWSTemplateFormatVersion: '2010-09-09', Description: description };
  // Sections in CloudFormation's usual order whichever part declares them first; empty ones are dropped below.
  for (const section of sections) (out as Record<string, unknown>)[section] = {};
  for (const part of parts) {
    for (const section of sections) {
      const from = part[section] as Record<string, unknown> | undefined;
      if (!from) continue;
      const into = (out as Record<string, unknown>)[section] as Record<string, unknown>;
      for (const [id, value] of Object.entries(from)) {
        if (id in into) {
          // Shared parameters are declared by several fragments; identical ones are the same thing.
          if (section === 'Parameters' && JSON.stringify(into[id]) === JSON.stringify(value)) continue;
          throw new Error(`merge: ${section} '${id}' is defined twice`);
        }
        into[id] = value;
      }
    }
  }
  for (const section of sections) if (Object.keys(out[section] as object).length === 0) delete out[section];
  return out;
}

/**
 * cloudform's resource model predates `UpdateReplacePolicy`; this is the typed extension for it.
 * Data stores are kept when their stack is deleted and when an update would replace them.
 */
export type Retained<R extends Resource> = R & { UpdateReplacePolicy: DeletionPolicy };
export function retain<R extends Resource>(resource: R): Retained<R> {
  return Object.assign(resource, { DeletionPolicy: DeletionPolicy.Retain, UpdateReplacePolicy: DeletionPolicy.Retain });
}

export function tags(prefix: Value<string>, extra: Record<string, string> = {}): ResourceTag[] {
  return [new ResourceTag(PREFIX_TAG, prefix), ...Object.entries(extra).map(([k, v]) => new ResourceTag(k, v))];
}

// ---------------------------------------------------------------------------------------------
// Shared template Parameters: every account ID, organization ID, OU path list and the prefix.

export const PREFIX_PATTERN = `^[a-z]([a-z0-9-]{0,${maxPrefixLength() - 2}}[a-z0-9])?$`;

export const parameters = {
  Prefix: (defaultValue: string): Parameter =>
    new StringParameter({
      Description: 'Prefix of every xacct name (roles, buckets, exports). Must match across all xacct stacks.',
      AllowedPattern: PREFIX_PATTERN,
      ConstraintDescription: `lowercase letters, digits and hyphens; starts with a letter; at most ${maxPrefixLength()} characters`,
      Default: defaultValue,
    }),
  OrganizationId: (): Parameter =>
    new StringParameter({
      Description: 'ID of the AWS Organization (o-...). Access is granted only to principals inside it.',
      AllowedPattern: '^o-[a-z0-9]{10,32}$',
      ConstraintDescription: 'an organization ID such as o-a1b2c3d4e5',
    }),
  CiAccountId: (): Parameter =>
    new StringParameter({
      Description: 'ID of the CI (tooling) account that runs the pipelines.',
      AllowedPattern: '^\\d{12}$',
      ConstraintDescription: 'a 12-digit AWS account ID',
    }),
  HomeRegion: (defaultValue: string): Parameter =>
    new StringParameter({
      Description: 'Home region of the CI account (where the artifact bucket and key live).',
      AllowedPattern: '^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\\d$',
      ConstraintDescription: 'an AWS region such as eu-west-1',
      Default: defaultValue,
    }),
  TargetOrgPaths: (): Parameter =>
    new CommaDelimitedListParameter({
      Description:
        'Organization ID paths of the target OUs, comma separated, each ending in /* (o-xxx/r-xxxx/ou-xxxx-xxxxxxxx/*). `xacct deploy` resolves them from OU names.',
      AllowedPattern: '^o-[a-z0-9]{10,32}/r-[0-9a-z]{4,32}(/ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})*/\\*$',
      ConstraintDescription: 'each path like o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*',
    }),
  TargetAccountIds: (defaultValue: string[]): Parameter =>
    new CommaDelimitedListParameter({
      Description: "Accounts named in the config's targets (targets.<name>.accounts) whose xacct roles read and write artifacts, comma separated.",
      AllowedPattern: '^\\d{12}$',
      ConstraintDescription: 'each a 12-digit AWS account ID',
      Default: defaultValue.join(','),
    }),
  SourceAccountIds: (defaultValue: string[]): Parameter =>
    new CommaDelimitedListParameter({
      Description: 'Accounts holding CodeCommit repositories that pipelines in the CI account read (their <prefix>-source-access role), comma separated.',
      AllowedPattern: '^\\d{12}$',
      ConstraintDescription: 'each a 12-digit AWS account ID',
      Default: defaultValue.join(','),
    }),
  PrimaryKeyArn: (): Parameter =>
    new StringParameter({
      Description: 'ARN of the multi-Region artifact key in the home region (output ArtifactKeyArn of the kms-key stack).',
      AllowedPattern: '^arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:key/mrk-[0-9a-f]{32}$',
      ConstraintDescription: 'a multi-Region KMS key ARN (key/mrk-...)',
    }),
};

/**
 * Organization-wide Parameters of a CI-account template that admits target (and source) roles:
 * TargetOrgPaths when a target names OUs, TargetAccountIds when one names accounts.
 */
export function orgParameters(
  config: { prefix: string; targets: Record<string, { ous?: string[]; accounts?: string[] }> },
  sourceAccountIds: string[],
): Record<string, Parameter> {
  const accounts = namedTargetAccounts(config);
  return {
    Prefix: parameters.Prefix(config.prefix),
    OrganizationId: parameters.OrganizationId(),
    ...(hasTargetOus(config) ? { TargetOrgPaths: parameters.TargetOrgPaths() } : {}),
    ...(accounts.length > 0 ? { TargetAccountIds: parameters.TargetAccountIds(accounts) } : {}),
    ...(sourceAccountIds.length > 0 ? { SourceAccountIds: parameters.SourceAccountIds(sourceAccountIds) } : {}),
  };
}
