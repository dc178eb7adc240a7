/**
 * The README of `dist/`: what goes where, in which order, with which parameters, and the exact
 * AWS CLI commands for a team that deploys the templates with CloudFormation alone.
 */
import type { Config } from './config';
import type { Manifest, ManifestEntry } from './build';
import { mermaidDiagram } from './diagram';
import { MAX_INLINE_BYTES } from './delivery';
import { names } from './names';

function paramArgs(entry: ManifestEntry, style: 'deploy' | 'stackset'): string {
  const required = entry.parameters.filter((p) => p.default === undefined);
  if (required.length === 0) return '';
  const placeholder = (name: string) => `<${name}>`;
  if (style === 'deploy') {
    return ` \\\n    --parameter-overrides ${required.map((p) => `${p.name}=${p.type === 'CommaDelimitedList' ? `'${placeholder(p.name)}'` : placeholder(p.name)}`).join(' ')}`;
  }
  return ` \\\n    --parameters ${required.map((p) => `ParameterKey=${p.name},ParameterValue=${placeholder(p.name)}`).join(' ')}`;
}

/** Over the inline limit: `aws cloudformation deploy` uploads the template to the templates bucket. */
function bucketArgs(entry: ManifestEntry, config: Config): string {
  if (entry.delivery === 'inline') return '';
  return ` \\\n    --s3-bucket ${config.prefix}-templates-<ci-account-id>-${config.homeRegion} --s3-prefix xacct/templates --kms-key-id <artifact key ARN>`;
}

function centralCommands(entry: ManifestEntry, config: Config): string {
  return [
    '```sh',
    `aws cloudformation deploy --region ${entry.regions ? '<region>' : config.homeRegion} \\`,
    `    --stack-name ${entry.deployAs} \\`,
    `    --template-file ${entry.files.yaml} \\`,
    `    --capabilities CAPABILITY_NAMED_IAM${paramArgs(entry, 'deploy')}${bucketArgs(entry, config)}`,
    `aws cloudformation update-termination-protection --enable-termination-protection --stack-name ${entry.deployAs} --region ${entry.regions ? '<region>' : config.homeRegion}`,
    '```',
  ].join('\n');
}

function stackSetCommands(entry: ManifestEntry, config: Config): string {
  const r = config.rollout;
  return [
    '```sh',
    `aws cloudformation create-stack-set --region ${config.homeRegion} --call-as DELEGATED_ADMIN \\`,
    `    --stack-set-name ${entry.deployAs} \\`,
    `    --template-body file://${entry.files.yaml} \\`,
    `    --permission-model SERVICE_MANAGED \\`,
    `    --auto-deployment Enabled=true,RetainStacksOnAccountRemoval=${r.retainStacksOnAccountRemoval} \\`,
    `    --managed-execution Active=true \\`,
    `    --capabilities CAPABILITY_NAMED_IAM${paramArgs(entry, 'stackset')}`,
    `aws cloudformation create-stack-instances --region ${config.homeRegion} --call-as DELEGATED_ADMIN \\`,
    `    --stack-set-name ${entry.deployAs} \\`,
    entry.placement === 'source'
      ? `    --deployment-targets OrganizationalUnitIds=<ou-of-source-account>,Accounts=${entry.instance?.account ?? '<source-account-id>'},AccountFilterType=INTERSECTION \\`
      : `    --deployment-targets OrganizationalUnitIds=<ou-id>,<ou-id> \\`,
    `    --regions ${config.homeRegion} \\`,
    `    --operation-preferences RegionConcurrencyType=${r.regionConcurrency},ConcurrencyMode=SOFT_FAILURE_TOLERANCE,MaxConcurrentPercentage=${r.maxConcurrentPercentage},FailureTolerancePercentage=${r.failureTolerancePercentage}`,
    '```',
  ].join('\n');
}

function parameterTable(entry: ManifestEntry): string {
  if (entry.parameters.length === 0) return '_No parameters._';
  const rows = entry.parameters.map((p) => `| \`${p.name}\` | ${p.type} | ${p.default !== undefined ? `\`${p.default}\`` : 'required'} | ${p.description} |`);
  return ['| parameter | type | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** How app stacks put the CloudFormation role's permissions boundary on the roles they create. */
export function boundarySection(config: Config): string[] {
  if (!config.cloudformationRole.permissionsBoundary) return [];
  const p = config.prefix;
  const arn = `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:policy/${names.permissionsBoundary(p)}`;
  return [
    '## Roles that app stacks create',
    '',
    `The pipeline deploys app stacks with \`${names.cfnExecRole(p)}\`, whose permissions boundary \`${names.permissionsBoundary(p)}\``,
    'lets it create or change a role only if that role carries the same boundary. Every role an app stack',
    `creates must name it. Its ARN is the export \`${names.permissionsBoundaryExport(p)}\` and the SSM parameter`,
    `\`${names.permissionsBoundaryParameter(p)}\` in every target account (home region), and in any region \`${arn}\`.`,
    '',
    'SAM:',
    '',
    '```yaml',
    'Globals:',
    '  Function:',
    `    PermissionsBoundary: !Sub ${arn}`,
    '```',
    '',
    'CDK:',
    '',
    '```ts',
    `PermissionsBoundary.of(app).apply(ManagedPolicy.fromManagedPolicyArn(stack, 'XacctBoundary', \`arn:\${Aws.PARTITION}:iam::\${Aws.ACCOUNT_ID}:policy/${names.permissionsBoundary(p)}\`));`,
    '```',
    '',
    'Roles and managed policies the app passes or versions must be named after the stack (CloudFormation',
    'does so when no name is given). The project README lists what the boundary denies and what it does not cover.',
    '',
  ];
}

export function renderReadme(config: Config, manifest: Manifest): string {
  const targetOus = Object.entries(config.targets).map(([name, t]) => `- \`${name}\`: ${t.ous.map((o) => `\`${o}\``).join(', ')}`);
  const order = manifest.templates
    .filter((t) => t.deployed)
    .map((t, i) => `${i + 1}. \`${t.name}\` → ${t.deploysTo} as ${t.placement === 'central' ? 'stack' : 'StackSet'} \`${t.deployAs}\`${t.regions ? ` in ${t.regions.join(', ')}` : ''}`);
  const blocks = manifest.templates.filter((t) => !t.deployed).map((t) => `- \`${t.name}\`: ${t.summary}.`);
  const sections = manifest.templates.map((t) =>
    [
      `### ${t.name}${t.instance ? ` (account ${t.instance.account})` : ''}`,
      '',
      `${t.summary}. Deploys to: **${t.deploysTo}**${t.placement === 'central' ? '' : ' (service-managed StackSet, home region only: IAM is global)'}.`,
      `Files: \`${t.files.json}\`, \`${t.files.yaml}\` (${t.bytes} bytes).`,
      ...(t.delivery === 'inline' ? [] : ['', `Too large to send inline (CloudFormation accepts ${MAX_INLINE_BYTES} bytes): it goes through the templates bucket, encrypted with the artifact key.`]),
      '',
      parameterTable(t),
      '',
      t.outputs.length > 0 ? `Outputs: ${t.outputs.map((o) => (o.export ? `\`${o.name}\` (export \`${o.export}\`)` : `\`${o.name}\``)).join(', ')}.` : '',
      '',
      t.placement === 'central' ? centralCommands(t, config) : stackSetCommands(t, config),
    ].join('\n'),
  );
  return [
    '# xacct templates',
    '',
    'Generated by `make build` from the xacct config; do not edit by hand. Plain CloudFormation: deploy',
    'these with `xacct deploy`, or with the AWS CLI as shown below.',
    '',
    `Prefix \`${config.prefix}\`, home region \`${config.homeRegion}\`. Target groups:`,
    '',
    ...targetOus,
    '',
    '## Accounts, roles and trust',
    '',
    'Solid arrows: who may assume or pass which role. Dotted arrows: artifact flow.',
    '',
    '![Accounts, roles and trust](diagram.svg)',
    '',
    'The same graph as Mermaid text:',
    '',
    '```mermaid',
    mermaidDiagram(config),
    '```',
    '',
    '## Order',
    '',
    'Target-account StackSets first (the pipeline checks that its action roles can be assumed when it is',
    'created), then the CI-account stacks. Every name that crosses accounts is fixed by the prefix, so the',
    'policies on both sides are valid before the other side exists; re-running converges from any state.',
    '',
    ...order,
    '',
    ...(blocks.length > 0
      ? ['Also here, not used by this config (building blocks for other patterns, documented below):', '', ...blocks, '']
      : []),
    '## Parameter values',
    '',
    '- `OrganizationId`: `aws organizations describe-organization --query Organization.Id`.',
    '- `CiAccountId`: the account that runs the pipelines (`aws sts get-caller-identity` there).',
    '- `TargetOrgPaths`: for each target OU, `<org-id>/<root-id>/<ou-id>/.../<ou-id>/*`, the path of IDs',
    '  from the root down to that OU (`aws organizations list-parents` walks it), comma separated.',
    '- StackSet commands run in the management account with `--call-as SELF`, or (recommended) in a',
    '  delegated administrator account with `--call-as DELEGATED_ADMIN`.',
    '',
    ...boundarySection(config),
    '## Templates',
    '',
    ...sections,
    '',
  ].join('\n');
}
