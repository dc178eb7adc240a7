/**
 * `xacct params` as AWS CLI arguments. Stacks: `--parameter-overrides K=V ...` for `aws
 * cloudformation deploy`, which splits each at its first `=` (so a list value keeps its commas).
 * StackSets: `--parameters ParameterKey=K,ParameterValue=V ...` for `create-stack-set` and
 * `update-stack-set`, in the CLI's shorthand syntax (templates-src/cli-args.ts).
 */
import type { ParamsReport, ParamValue, TemplateParams } from './index';
import { parameterAssignment, shellWord, shorthandValue } from '../../templates-src/cli-args';

export { shellWord, shorthandValue };

function assignment(kind: TemplateParams['kind'], name: string, value: string): string {
  return parameterAssignment(kind, name, value);
}

/** The arguments as argv entries (for a program to pass on); values not known yet are left out. */
export function cliArguments(t: Pick<TemplateParams, 'kind' | 'parameters'>): string[] {
  const known = t.parameters.filter((p) => p.value !== undefined);
  if (known.length === 0) return [];
  return [t.kind === 'stack' ? '--parameter-overrides' : '--parameters', ...known.map((p) => assignment(t.kind, p.name, p.value!))];
}

/** The AWS CLI command that reads a stack output once that stack exists, as a shell command substitution. */
function readOutput(p: Required<Pick<ParamValue, 'pending'>>['pending']): string {
  return `"$(aws cloudformation describe-stacks --stack-name ${p.stack} --region ${p.region} --query "Stacks[0].Outputs[?OutputKey=='${p.output}'].OutputValue" --output text)"`;
}

/** The arguments as one line to paste into a shell; a value still to come reads it from its stack. */
export function shellLine(t: TemplateParams): string {
  const words = t.parameters.map((p) => {
    if (p.value !== undefined) return shellWord(assignment(t.kind, p.name, p.value));
    if (p.pending) return t.kind === 'stack' ? `${p.name}=${readOutput(p.pending)}` : `ParameterKey=${p.name},ParameterValue=${readOutput(p.pending)}`;
    return `${p.name}=?`;
  });
  return [t.kind === 'stack' ? '--parameter-overrides' : '--parameters', ...words].join(' ');
}

function heading(t: TemplateParams): string {
  const what = t.kind === 'stack' ? `stack ${t.name} (${t.region})` : `StackSet ${t.name}`;
  return `${t.template}: ${what}, ${t.deploysTo}`;
}

function block(t: TemplateParams): string[] {
  const notes = [
    ...t.notes,
    ...t.parameters
      .filter((p) => p.pending)
      .map((p) => `${p.name}: output ${p.pending!.output} of stack ${p.pending!.stack}, which does not exist yet; deploy it first`),
  ];
  return [heading(t), `  ${shellLine(t)}`, ...notes.map((n) => `  note: ${n}`)];
}

export function renderParams(r: ParamsReport): string {
  const deployed = r.templates.filter((t) => t.deployedByXacct);
  const blocks = r.templates.filter((t) => !t.deployedByXacct);
  const lines = [`Parameter values for ${r.organizationId}, CI account ${r.ciAccountId}, home region ${r.homeRegion} (what xacct deploy sends)`, ''];
  for (const t of deployed) lines.push(...block(t));
  if (blocks.length > 0) {
    lines.push('', 'Building blocks in dist/ that this config does not deploy:');
    for (const t of blocks) lines.push(...block(t));
  }
  if (r.placeholders.length > 0) {
    lines.push('', "dist/README.md's placeholders:");
    const width = Math.max(...r.placeholders.map((p) => p.name.length)) + 2;
    for (const p of r.placeholders) lines.push(`  ${`<${p.name}>`.padEnd(width)} ${p.value ?? '(none in this organization)'}`);
  }
  if (r.uploads.length > 0) {
    lines.push('', 'The pipeline reads from the templates bucket (--uploads DIR writes them):');
    for (const u of r.uploads) lines.push(`  s3://${u.bucket}/${u.key}  ${u.what}, ${u.bytes} bytes`);
  }
  return lines.join('\n');
}
