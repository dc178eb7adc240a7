/**
 * A Mermaid diagram of the accounts, roles, trust arrows and artifact flow, drawn from the config.
 */
import type { Config } from './config';
import { extraRegions } from './central/pipeline-plan';
import { names } from './names';

const id = (s: string) => s.replace(/[^A-Za-z0-9]/g, '_');
const q = (s: string) => `"${s.replace(/"/g, "'")}"`;

export function mermaidDiagram(config: Config): string {
  const p = config.prefix;
  const lines = ['flowchart LR'];
  lines.push(`  subgraph CI[${q(`CI account (${config.homeRegion})`)}]`);
  lines.push(`    key[${q(`KMS key ${names.keyAlias(p)}`)}]`);
  lines.push(`    art[(${q(`artifact bucket ${p}-artifacts-…`)})]`);
  lines.push(`    prole[${q(names.pipelineRole(p))}]`);
  lines.push(`    brole[${q(names.buildRole(p))}]`);
  for (const pl of config.pipelines) lines.push(`    pl_${id(pl.name)}{{${q(`pipeline ${names.pipelineName(p, pl.name)}`)}}}`);
  for (const r of extraRegions(config)) lines.push(`    store_${id(r)}[(${q(`regional store ${r}: key replica + bucket`)})]`);
  lines.push('  end');
  const sources = new Map<string, string[]>();
  for (const pl of config.pipelines) {
    if ('codecommit' in pl.source && pl.source.codecommit.account) {
      const list = sources.get(pl.source.codecommit.account) ?? [];
      list.push(pl.name);
      sources.set(pl.source.codecommit.account, list);
    }
  }
  for (const [account, pipelines] of sources) {
    lines.push(`  subgraph SRC_${account}[${q(`source account ${account}`)}]`);
    lines.push(`    srole_${account}[${q(names.sourceAccessRole(p))}]`);
    lines.push(`    rule_${account}[${q('EventBridge rule → CI default bus')}]`);
    lines.push('  end');
    lines.push(`  prole -- ${q('sts:AssumeRole')} --> srole_${account}`);
    lines.push(`  srole_${account} -. ${q('source archive')} .-> art`);
    for (const name of pipelines) lines.push(`  rule_${account} -- ${q('repository events')} --> pl_${id(name)}`);
  }
  for (const [name, t] of Object.entries(config.targets)) {
    const g = id(name);
    lines.push(`  subgraph T_${g}[${q(`target ${name}: ${t.ous.join(', ')}`)}]`);
    lines.push(`    xa_${g}[${q(names.crossAccountRole(p))}]`);
    lines.push(`    cfn_${g}[${q(names.cfnExecRole(p))}]`);
    lines.push(`    ro_${g}[${q(names.readOnlyRole(p))}]`);
    lines.push('  end');
    lines.push(`  prole -- ${q('sts:AssumeRole')} --> xa_${g}`);
    lines.push(`  xa_${g} -- ${q('iam:PassRole to CloudFormation')} --> cfn_${g}`);
    lines.push(`  xa_${g} -. ${q('artifacts via S3 + KMS')} .-> art`);
    lines.push(`  brole -- ${q('sts:AssumeRole (discovery)')} --> ro_${g}`);
  }
  for (const pl of config.pipelines) lines.push(`  pl_${id(pl.name)} --- prole`);
  lines.push(`  art --- key`);
  return lines.join('\n');
}
