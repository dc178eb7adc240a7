/**
 * config -> the files of `dist/`. Pure: returns file names and contents; the CLI writes them.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { Config } from './config';
import { configJsonSchema, defaultConfigInput } from './config';
import { CfnTemplate, synth } from './cfn';
import { MAX_INLINE_BYTES } from './delivery';
import { builtName, distTemplates, Placement, SourceInstance, TemplateEntry } from './index';
import { Deployment, deploymentsOf, placements } from './placement';
import { names } from './names';
import { hasTargetOus, namedTargetAccounts } from './targets';
import { renderReadme } from './readme';
import { deployerPolicy } from './deployer-policy';
import { dotDiagram } from './diagram';
import { prepareSvgRenderer, renderSvg } from './diagram-svg';

/** The file name of the rendered diagram in dist/ (README.md links to it). */
export const DIAGRAM_SVG = 'diagram.svg';

/** CloudFormation's limit for a template body sent inline. */
export const MAX_TEMPLATE_BODY_BYTES = MAX_INLINE_BYTES;

export interface ManifestParameter {
  name: string;
  type: string;
  description: string;
  default?: string;
  /** Where the value comes from when xacct deploys. */
  resolvedBy: string;
}

export interface ManifestEntry {
  name: string;
  /** One instance of a source template (its own body, file and StackSet): the account it deploys to. */
  instance?: { suffix: string; account: string };
  placement: Placement;
  deploysTo: string;
  /** Whether `xacct deploy` deploys it for this config (otherwise a documented building block). */
  deployed: boolean;
  /** Regional templates: the regions this config deploys them to. */
  regions?: string[];
  order: number;
  summary: string;
  /** Stack name (central) or StackSet name (target, source); `<region>` / `<source-account-id>` where there is one per region or source account. */
  deployAs: string;
  /** Every stack or StackSet this config deploys it as (empty for a building block it does not deploy). */
  deployments: Deployment[];
  files: { json: string; yaml: string };
  bytes: number;
  /** `inline` when the minified body fits CloudFormation's 51,200 bytes, else through the templates bucket. */
  delivery: 'inline' | 'templates-bucket';
  parameters: ManifestParameter[];
  outputs: Array<{ name: string; description: string; export?: string }>;
}

/** Which config and which xacct wrote a dist/: the README's header says it, the manifest records it. */
export interface DistSource {
  /** The config file's name as given (`xacct.yaml`), or `the embedded default config`. */
  config: string;
  /** sha256 of the config file's bytes (of the embedded default's JSON for the embedded default). */
  sha256: string;
  /** The xacct version (package.json) that built it. */
  version?: string;
}

export interface DistOptions {
  /** Also write the building blocks this config does not deploy (`xacct build --building-blocks`). */
  buildingBlocks?: boolean;
  source?: DistSource;
}

/** The source of a dist/ built from the embedded default: its JSON hashed, as no file holds it. */
export function embeddedDefaultSource(version?: string): DistSource {
  return {
    config: 'the embedded default config',
    sha256: createHash('sha256').update(JSON.stringify(defaultConfigInput)).digest('hex'),
    ...(version ? { version } : {}),
  };
}

/** A config handed over in code (tests, the API): hashed from its parsed form. */
function inMemorySource(config: Config): DistSource {
  return { config: 'a config given in code', sha256: createHash('sha256').update(JSON.stringify(config)).digest('hex') };
}

export interface Manifest {
  xacct: string;
  /** The config and xacct version these files come from. */
  source: DistSource;
  prefix: string;
  homeRegion: string;
  templates: ManifestEntry[];
  files: string[];
}

const RESOLVED_BY: Record<string, string> = {
  Prefix: 'config: prefix',
  HomeRegion: 'config: homeRegion',
  OrganizationId: 'DescribeOrganization',
  CiAccountId: 'GetCallerIdentity in the CI account',
  TargetOrgPaths: 'OU names in config.targets resolved through AWS Organizations',
  SourceAccountIds: 'config: pipelines[].source.codecommit.account',
  PrimaryKeyArn: 'output ArtifactKeyArn of the kms-key stack',
  RolloutEngineKey: "xacct deploy: the content-hashed key of xacct's engine it puts into the templates bucket",
  RolloutConfigKey: 'xacct deploy: the content-hashed key of the resolved config it puts into the templates bucket',
};

/** Render a template as CloudFormation YAML (long-form intrinsics, YAML 1.1 quoting for CloudFormation's parser). */
export function toYaml(template: CfnTemplate): string {
  return stringify(template, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false });
}

function subText(value: unknown): string | undefined {
  if (value && typeof value === 'object' && 'Fn::Sub' in value) {
    const s = (value as { 'Fn::Sub': unknown })['Fn::Sub'];
    return typeof s === 'string' ? s : undefined;
  }
  return undefined;
}

function deployAsPattern(config: Config, entry: TemplateEntry): string {
  if (entry.placement === 'central') return names.centralStack(config.prefix, entry.name, entry.regions ? '<region>' : undefined);
  if (entry.placement === 'source') return names.sourceStackSet(config.prefix, entry.name, '<source-account-id>');
  // Targets that name only accounts have no OU StackSet: the account StackSet is the one there is.
  return !hasTargetOus(config) && namedTargetAccounts(config).length > 0
    ? names.accountsStackSet(config.prefix, entry.name)
    : names.stackSet(config.prefix, entry.name);
}

function manifestEntry(config: Config, entry: TemplateEntry, t: CfnTemplate, bytes: number, instance?: SourceInstance): ManifestEntry {
  const { name, placement, order, summary } = entry;
  const file = builtName(entry, instance);
  const deployments = entry.enabled(config) ? deploymentsOf(entry, config).filter((d) => !instance || d.account === instance.account) : [];
  const parameters = Object.entries(t.Parameters ?? {}).map(([pname, p]) => ({
    name: pname,
    type: String(p.Type),
    description: String(p.Description ?? ''),
    ...(p.Default !== undefined ? { default: String(p.Default) } : {}),
    resolvedBy:
      RESOLVED_BY[pname] ??
      (pname.endsWith('AccountId') ? 'the ACTIVE accounts of the stage target OUs (xacct deploy adds an action pair per account)' : 'config'),
  }));
  const outputs = Object.entries(t.Outputs ?? {}).map(([oname, o]) => {
    const exp = o.Export ? subText(o.Export.Name) : undefined;
    return { name: oname, description: o.Description ?? '', ...(exp ? { export: exp.replace('${Prefix}', config.prefix) } : {}) };
  });
  return {
    name,
    ...(instance ? { instance: { suffix: instance.suffix, account: instance.account } } : {}),
    placement,
    deploysTo: instance ? `${placements[placement].text} ${instance.account}` : placements[placement].text,
    deployed: true,
    order,
    summary,
    deployAs: instance ? deployments[0].name : deployAsPattern(config, entry),
    deployments,
    files: { json: `${file}.template.json`, yaml: `${file}.template.yaml` },
    bytes,
    // What the README's commands send is this file: over the inline limit, `aws cloudformation deploy` uploads it.
    delivery: bytes > MAX_INLINE_BYTES ? 'templates-bucket' : 'inline',
    parameters,
    outputs,
  };
}

export interface BuildResult {
  files: Map<string, string>;
  manifest: Manifest;
  templates: Map<string, CfnTemplate>;
}

/**
 * Every file of dist/ for a config. A template too large to send inline is still written; the
 * manifest marks it `templates-bucket` and the README deploys it through the templates bucket.
 */
export function buildDist(config: Config, options: DistOptions = {}): BuildResult {
  prepareSvgRenderer(); // Graphviz loads in its own thread while the templates are synthesized.
  const files = new Map<string, string>();
  const templates = new Map<string, CfnTemplate>();
  const entries: ManifestEntry[] = [];
  for (const entry of distTemplates(config, options.buildingBlocks)) {
    // A source template that deploys has one body per account; one that does not is a building block.
    const instances = entry.enabled(config) && entry.instances ? entry.instances(config) : [undefined];
    for (const instance of instances) {
      const t = synth(entry.build(config, undefined, instance));
      const json = JSON.stringify(t, null, 2) + '\n';
      const bytes = Buffer.byteLength(json);
      templates.set(builtName(entry, instance), t);
      const m = manifestEntry(config, entry, t, bytes, instance);
      m.deployed = entry.enabled(config);
      if (entry.regions) m.regions = entry.regions(config);
      files.set(m.files.json, json);
      files.set(m.files.yaml, toYaml(t));
      entries.push(m);
    }
  }
  files.set('config.schema.json', JSON.stringify(configJsonSchema(), null, 2) + '\n');
  files.set('deployer-policy.json', JSON.stringify(deployerPolicy(config), null, 2) + '\n');
  // The accounts/roles/trust diagram as a picture, beside its Mermaid text in README.md.
  files.set(DIAGRAM_SVG, renderSvg(dotDiagram(config)));
  const manifest: Manifest = {
    xacct: '1',
    source: options.source ?? inMemorySource(config),
    prefix: config.prefix,
    homeRegion: config.homeRegion,
    templates: entries,
    files: [],
  };
  files.set('README.md', renderReadme(config, manifest));
  manifest.files = [...files.keys(), 'manifest.json'].sort();
  files.set('manifest.json', JSON.stringify(manifest, null, 2) + '\n');
  return { files, manifest, templates };
}
