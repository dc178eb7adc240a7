/**
 * The registry: every template xacct produces, where it deploys, and the order a deploy takes.
 * Builders are pure: (config) => Template. Nothing here reads the environment or calls AWS.
 */
import { Template } from 'cloudform-types';
import type { Config } from './config';
import { kmsKey } from './central/kms-key';
import { buckets } from './central/buckets';
import { crossAccountRole } from './target/cross-account-role';
import { cloudformationRole } from './target/cloudformation-role';
import { readOnlyRole } from './target/read-only-role';
import { automationRole } from './target/automation-role';

/** central: an ordinary stack in the CI account; target: a StackSet to every account in the target OUs; source: a StackSet to the source account. */
export type Placement = 'central' | 'target' | 'source';

export const PLACEMENT_TEXT: Record<Placement, string> = {
  central: 'CI account',
  target: 'every target account',
  source: 'source account',
};

export interface TemplateEntry {
  name: string;
  placement: Placement;
  /** Deploy order: lower first. Target roles precede the pipeline, which checks its action roles exist. */
  order: number;
  summary: string;
  build: (config: Config) => Template;
  enabled: (config: Config) => boolean;
}

const always = () => true;

export const registry: TemplateEntry[] = [
  { name: 'cross-account-role', placement: 'target', order: 10, summary: 'Role the pipeline assumes to deploy into the account', build: crossAccountRole, enabled: always },
  { name: 'cloudformation-role', placement: 'target', order: 10, summary: 'CloudFormation execution role with a permissions boundary', build: cloudformationRole, enabled: always },
  { name: 'read-only-role', placement: 'target', order: 10, summary: 'Read-only discovery role', build: readOnlyRole, enabled: always },
  { name: 'automation-role', placement: 'target', order: 10, summary: 'Artifact reader for CodeBuild/Lambda in target accounts', build: automationRole, enabled: (c) => c.automationRole },
  { name: 'kms-key', placement: 'central', order: 20, summary: 'Customer-managed key for pipeline artifacts', build: kmsKey, enabled: always },
  { name: 'buckets', placement: 'central', order: 30, summary: 'Artifact, templates and access-log buckets', build: buckets, enabled: always },
];

export function enabledTemplates(config: Config): TemplateEntry[] {
  return registry.filter((t) => t.enabled(config)).sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
}
