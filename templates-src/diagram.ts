/**
 * The accounts, roles, trust arrows and artifact flow of a config as one graph model, drawn as
 * Mermaid text (dist/README.md) and as Graphviz DOT (rendered to dist/diagram.svg). The roles of
 * the target and source accounts come from the templates the registry enables for this config,
 * with the CI roles each trusts, so a new template appears without editing this file.
 */
import type { Config } from './config';
import { synth } from './cfn';
import type { JsonObject } from './checks/types';
import { extraRegions } from './central/pipeline-plan';
import { enabledTemplates, TemplateEntry } from './index';
import { names } from './names';
import { concreteName, hasEventRule, RoleFact, roleFacts } from './diagram-roles';

export type NodeShape = 'role' | 'policy' | 'key' | 'store' | 'pipeline' | 'rule';

export interface DiagramNode {
  id: string;
  label: string;
  shape: NodeShape;
}

export interface DiagramGroup {
  id: string;
  label: string;
  nodes: DiagramNode[];
}

/** trust: may assume or pass; flow: artifacts or events move; link: belongs together. */
export interface DiagramEdge {
  from: string;
  to: string;
  label?: string;
  kind: 'trust' | 'flow' | 'link';
}

export interface DiagramModel {
  groups: DiagramGroup[];
  edges: DiagramEdge[];
}

const id = (s: string) => s.replace(/[^A-Za-z0-9]/g, '_');
const ART = 'art';

function ciGroup(config: Config, ciRoles: Set<keyof typeof names>): DiagramGroup {
  const p = config.prefix;
  const roleNodes = [...ciRoles].sort().map((key): DiagramNode => ({ id: `ci_${key}`, label: (names[key] as (x: string) => string)(p), shape: 'role' }));
  return {
    id: 'CI',
    label: `CI account (${config.homeRegion})`,
    nodes: [
      { id: 'key', label: `KMS key ${names.keyAlias(p)}`, shape: 'key' },
      { id: ART, label: `artifact bucket ${p}-artifacts-…`, shape: 'store' },
      ...roleNodes,
      ...config.pipelines.map((pl): DiagramNode => ({ id: `pl_${id(pl.name)}`, label: `pipeline ${names.pipelineName(p, pl.name)}`, shape: 'pipeline' })),
      ...extraRegions(config).map((r): DiagramNode => ({ id: `store_${id(r)}`, label: `regional store ${r}: key replica + bucket`, shape: 'store' })),
      ...packageStores(config).map(({ node }) => node),
    ],
  };
}

/** The ECR repositories and the CodeArtifact repository of the CI account, with what fills them and what reads them. */
function packageStores(config: Config): Array<{ node: DiagramNode; fill: string; read: string }> {
  const p = config.prefix;
  const images = (config.ecr?.repositories ?? []).map((r) => ({
    node: { id: `ecr_${id(r)}`, label: `ECR ${names.ecrRepository(p, r)}`, shape: 'store' as const },
    fill: 'push images',
    read: 'pull images',
  }));
  const ca = config.codeartifact;
  const packages = ca
    ? [
        {
          node: { id: 'codeartifact', label: `CodeArtifact ${names.codeartifactDomain(p)}/${ca.repository}`, shape: 'store' as const },
          fill: 'publish packages',
          read: 'read packages',
        },
      ]
    : [];
  return [...images, ...packages];
}

/** GitHub Actions of the configured repository, and the CI roles its workflows assume. */
function githubGroup(config: Config, edges: DiagramEdge[], ciRoles: Set<keyof typeof names>): DiagramGroup[] {
  const g = config.github;
  if (!g) return [];
  ciRoles.add('githubDeployRole');
  edges.push({ from: 'github', to: 'ci_githubDeployRole', label: `OIDC: pushes to ${g.branch}`, kind: 'trust' });
  if (g.planRole) {
    ciRoles.add('githubPlanRole');
    edges.push({ from: 'github', to: 'ci_githubPlanRole', label: 'OIDC: pull requests', kind: 'trust' });
  }
  return [{ id: 'GH', label: 'GitHub', nodes: [{ id: 'github', label: `GitHub Actions ${g.repository}`, shape: 'pipeline' }] }];
}

/** The build role fills the stores; any role of a target group's accounts (or the roles the config names) reads them. */
function storeEdges(config: Config, groups: DiagramGroup[], ciRoles: Set<keyof typeof names>): DiagramEdge[] {
  const stores = packageStores(config);
  if (stores.length === 0) return [];
  ciRoles.add('buildRole');
  const edges: DiagramEdge[] = stores.map((st) => ({ from: 'ci_buildRole', to: st.node.id, label: st.fill, kind: 'flow' }));
  for (const g of groups.filter((x) => x.id.startsWith('T_'))) {
    const readers = `${g.id.toLowerCase()}_readers`;
    g.nodes.push({ id: readers, label: 'roles of these accounts', shape: 'role' });
    for (const st of stores) edges.push({ from: readers, to: st.node.id, label: st.read, kind: 'flow' });
  }
  return edges;
}

/** One account group's nodes and edges: every role and policy of the templates deployed there. */
function accountGroup(config: Config, group: string, facts: RoleFact[], ciRoles: Set<keyof typeof names>): { nodes: DiagramNode[]; edges: DiagramEdge[] } {
  const nodeId = (f: { placeholder: string }) => `${group}_${id(f.placeholder.replace('${Prefix}-', ''))}`;
  const nodes: DiagramNode[] = facts.map((f) => ({ id: nodeId(f), label: concreteName(f.placeholder, config.prefix), shape: f.kind }));
  const edges: DiagramEdge[] = [];
  for (const f of facts) {
    for (const key of f.trustedCiRoles) {
      ciRoles.add(key);
      edges.push({ from: `ci_${key}`, to: nodeId(f), label: 'sts:AssumeRole', kind: 'trust' });
    }
    for (const pass of f.passes) {
      const service = pass.services.map((s) => s.replace(/\.amazonaws\.com$/, '')).join(', ');
      if (facts.some((g) => g.placeholder === pass.placeholder))
        edges.push({ from: nodeId(f), to: nodeId(pass), label: `iam:PassRole${service ? ` to ${service}` : ''}`, kind: 'trust' });
    }
    if (f.usesArtifacts) edges.push({ from: nodeId(f), to: ART, label: 'artifacts via S3 + KMS', kind: 'flow' });
  }
  return { nodes, edges };
}

/** Pipelines whose CodeCommit repository sits in `account`. */
const pipelinesReading = (config: Config, account: string) =>
  config.pipelines.filter((p) => 'codecommit' in p.source && p.source.codecommit.account === account).map((p) => p.name);

const factsOf = (config: Config, entries: TemplateEntry[]) =>
  entries.flatMap((e) => roleFacts({ name: e.name, template: synth(e.build(config)) as unknown as JsonObject }));

/** The graph for a config: the CI account, each source account, each target group. */
export function diagramModel(config: Config): DiagramModel {
  const enabled = enabledTemplates(config);
  const ciRoles = new Set<keyof typeof names>();
  const groups: DiagramGroup[] = [];
  const edges: DiagramEdge[] = [];
  for (const entry of enabled.filter((e) => e.placement === 'source')) {
    for (const instance of entry.instances?.(config) ?? []) {
      const t = { name: entry.name, template: synth(entry.build(config, undefined, instance)) as unknown as JsonObject };
      const g = accountGroup(config, `src_${id(instance.suffix)}`, roleFacts(t), ciRoles);
      if (hasEventRule(t)) {
        g.nodes.push({ id: `src_${id(instance.suffix)}_rule`, label: 'EventBridge rules → CI default bus', shape: 'rule' });
        for (const pl of pipelinesReading(config, instance.account)) {
          g.edges.push({ from: `src_${id(instance.suffix)}_rule`, to: `pl_${id(pl)}`, label: 'repository events', kind: 'flow' });
        }
      }
      groups.push({ id: `SRC_${id(instance.suffix)}`, label: `source account ${instance.account} (${entry.name})`, nodes: g.nodes });
      edges.push(...g.edges);
    }
  }
  const targetFacts = factsOf(
    config,
    enabled.filter((e) => e.placement === 'target'),
  );
  for (const [name, t] of Object.entries(config.targets)) {
    const g = accountGroup(config, `t_${id(name)}`, targetFacts, ciRoles);
    // A long list of accounts would make an unreadable box (and Graphviz cannot lay it out): counted past three.
    const accounts = t.accounts.length <= 3 ? t.accounts.map((a) => `account ${a}`) : [`${t.accounts.length} accounts`];
    groups.push({ id: `T_${id(name)}`, label: `target ${name}: ${[...t.ous, ...accounts].join(', ')}`, nodes: g.nodes });
    edges.push(...g.edges);
  }
  edges.push(...storeEdges(config, groups, ciRoles));
  groups.push(...githubGroup(config, edges, ciRoles));
  for (const pl of config.pipelines) if (ciRoles.has('pipelineRole')) edges.push({ from: `pl_${id(pl.name)}`, to: 'ci_pipelineRole', kind: 'link' });
  edges.push({ from: ART, to: 'key', kind: 'link' });
  return { groups: [ciGroup(config, ciRoles), ...groups], edges };
}

const q = (s: string) => `"${s.replace(/"/g, "'")}"`;
const MERMAID_SHAPE: Record<NodeShape, (label: string) => string> = {
  role: (l) => `[${q(l)}]`,
  policy: (l) => `[/${q(l)}/]`,
  key: (l) => `[${q(l)}]`,
  store: (l) => `[(${q(l)})]`,
  pipeline: (l) => `{{${q(l)}}}`,
  rule: (l) => `[${q(l)}]`,
};

/** Mermaid flowchart text of the model. */
export function mermaidDiagram(config: Config, model = diagramModel(config)): string {
  const lines = ['flowchart LR'];
  for (const g of model.groups) {
    lines.push(`  subgraph ${g.id}[${q(g.label)}]`);
    for (const n of g.nodes) lines.push(`    ${n.id}${MERMAID_SHAPE[n.shape](n.label)}`);
    lines.push('  end');
  }
  for (const e of model.edges) {
    const arrow = e.kind === 'link' ? '---' : e.kind === 'flow' ? (e.label ? `-. ${q(e.label)} .->` : '-.->') : e.label ? `-- ${q(e.label)} -->` : '-->';
    lines.push(`  ${e.from} ${arrow} ${e.to}`);
  }
  return lines.join('\n');
}

/** DOT strings: quoted, with backslashes and quotes escaped (Graphviz, "The DOT Language": ID). */
const dq = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const DOT_SHAPE: Record<NodeShape, string> = {
  role: 'shape=box, style="rounded,filled", fillcolor="#e8f0fe"',
  policy: 'shape=note, style=filled, fillcolor="#fff8e1"',
  key: 'shape=box, style=filled, fillcolor="#fce8e6"',
  store: 'shape=cylinder, style=filled, fillcolor="#e6f4ea"',
  pipeline: 'shape=hexagon, style=filled, fillcolor="#f3e8fd"',
  rule: 'shape=box, style="rounded,dashed"',
};
const DOT_EDGE: Record<DiagramEdge['kind'], string> = { trust: 'style=solid', flow: 'style=dashed, color="#5f6368"', link: 'dir=none, color="#9aa0a6"' };

/** Graphviz DOT of the model, laid out left to right with one cluster per account group. */
export function dotDiagram(config: Config, model = diagramModel(config)): string {
  const lines = [
    'digraph xacct {',
    '  rankdir=LR;',
    '  fontname="Helvetica"; node [fontname="Helvetica", fontsize=11]; edge [fontname="Helvetica", fontsize=9];',
  ];
  for (const g of model.groups) {
    lines.push(`  subgraph ${dq(`cluster_${g.id}`)} {`, `    label=${dq(g.label)}; style="rounded"; color="#5f6368";`);
    for (const n of g.nodes) lines.push(`    ${dq(n.id)} [label=${dq(n.label)}, ${DOT_SHAPE[n.shape]}];`);
    lines.push('  }');
  }
  for (const e of model.edges) lines.push(`  ${dq(e.from)} -> ${dq(e.to)} [${e.label ? `label=${dq(e.label)}, ` : ''}${DOT_EDGE[e.kind]}];`);
  lines.push('}');
  return lines.join('\n') + '\n';
}
