/**
 * The accounts/roles/trust diagram: one graph model, read from the templates the registry enables,
 * drawn as Mermaid text and as Graphviz SVG; a target template added to the registry appears
 * without editing the diagram; Graphviz stays off `xacct --help`'s path.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IAM } from '../../templates-src/cfn-types';
import { sub, P } from '../../templates-src/cfn';
import { Config, defaultConfig, parseConfig } from '../../templates-src/config';
import { buildDist, DIAGRAM_SVG } from '../../templates-src/build';
import { diagramModel, DiagramModel, dotDiagram, mermaidDiagram } from '../../templates-src/diagram';
import { renderSvg } from '../../templates-src/diagram-svg';
import { registry, TemplateEntry } from '../../templates-src/index';
import { names } from '../../templates-src/names';
import { trustCiRoles } from '../../templates-src/target/role-template';
import { fixtureConfig } from '../support/build';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..');
const labels = (m: DiagramModel, group: string) =>
  m.groups
    .find((g) => g.id === group)
    ?.nodes.map((n) => n.label)
    .sort();
const edge = (m: DiagramModel, fromLabel: string, toLabel: string) => {
  const byId = new Map(m.groups.flatMap((g) => g.nodes).map((n) => [n.id, n.label]));
  return m.edges.filter((e) => byId.get(e.from) === fromLabel && byId.get(e.to) === toLabel);
};

describe('the graph model', () => {
  const config = defaultConfig();
  const model = diagramModel(config);

  test('one group per account kind: the CI account and each target group with the roles its templates create', () => {
    expect(model.groups.map((g) => g.id)).toEqual(['CI', 'T_nonprod', 'T_prod']);
    const roles = ['cfnExecRole', 'crossAccountRole', 'readOnlyRole'] as const;
    for (const g of ['T_nonprod', 'T_prod']) expect(labels(model, g)).toEqual(roles.map((r) => names[r]('xacct')).sort());
    expect(labels(model, 'CI')).toEqual(expect.arrayContaining(['xacct-pipeline', 'xacct-build', 'pipeline xacct-app', 'KMS key alias/xacct-artifacts']));
  });

  test('trust as the templates state it: pipeline -> cross-account, pipeline and build -> read-only, cross-account passes cfn-exec to CloudFormation', () => {
    expect(edge(model, 'xacct-pipeline', 'xacct-cross-account')).toHaveLength(2);
    expect(edge(model, 'xacct-build', 'xacct-read-only')).toHaveLength(2);
    expect(edge(model, 'xacct-pipeline', 'xacct-read-only')).toHaveLength(2);
    expect(edge(model, 'xacct-build', 'xacct-cross-account')).toEqual([]);
    expect(edge(model, 'xacct-cross-account', 'xacct-cfn-exec').map((e) => e.label)).toEqual([
      'iam:PassRole to cloudformation',
      'iam:PassRole to cloudformation',
    ]);
    expect(edge(model, 'xacct-cross-account', 'artifact bucket xacct-artifacts-…').map((e) => e.kind)).toEqual(['flow', 'flow']);
  });

  test('a separate source account: its roles, the pipeline trusted, events forwarded to the pipeline', () => {
    const m = diagramModel(fixtureConfig('cross-account-source'));
    const src = m.groups.find((g) => g.id.startsWith('SRC_'))!;
    expect(src.label).toMatch(/^source account \d{12} \(codecommit-source\)$/);
    expect(src.nodes.map((n) => n.label)).toEqual(expect.arrayContaining(['xacct-source-access', 'xacct-source-events', 'EventBridge rules → CI default bus']));
    expect(edge(m, 'xacct-pipeline', 'xacct-source-access')).toHaveLength(1);
    expect(
      m.edges.some((e) => e.from === `${src.nodes.find((n) => n.shape === 'rule')!.id}` && e.label === 'repository events' && e.to.startsWith('pl_')),
    ).toBe(true);
  });

  test('pipelines sharing a source account: one account group, its rules feeding every pipeline that reads there', () => {
    const m = diagramModel(fixtureConfig('shared-source'));
    const sources = m.groups.filter((g) => g.id.startsWith('SRC_'));
    expect(sources.map((g) => g.label)).toEqual(['source account 333333333333 (codecommit-source)']);
    const rule = sources[0].nodes.find((n) => n.shape === 'rule')!.id;
    expect(
      m.edges
        .filter((e) => e.from === rule)
        .map((e) => e.to)
        .sort(),
    ).toEqual(['pl_api', 'pl_api_hotfix', 'pl_web']);
    expect(m.groups.find((g) => g.id === 'CI')!.nodes.map((n) => n.id)).toEqual(expect.arrayContaining(['pl_api', 'pl_api_hotfix', 'pl_web']));
  });

  test('optional templates appear when the config enables them: the automation role, the CodeDeploy instance policy and role', () => {
    const automation: Config = { ...defaultConfig(), automationRole: true };
    expect(labels(diagramModel(automation), 'T_prod')).toContain('xacct-automation');
    const codedeploy = diagramModel(fixtureConfig('codedeploy'));
    const policy = codedeploy.groups.flatMap((g) => g.nodes).find((n) => n.label === 'web-codedeploy-instance');
    expect(policy?.shape).toBe('policy');
    expect(codedeploy.groups.flatMap((g) => g.nodes).some((n) => n.shape === 'role' && n.label === 'web-codedeploy-instance')).toBe(false);
    const instanceRole = diagramModel(fixtureConfig('codedeploy-instance-role'));
    const role = instanceRole.groups.find((g) => g.id === 'T_prod')!.nodes.find((n) => n.shape === 'role' && n.label === 'shop-codedeploy-instance');
    expect(instanceRole.edges).toContainEqual({ from: role!.id, to: 'art', label: 'artifacts via S3 + KMS', kind: 'flow' });
  });

  test('a target template added to the registry appears, with its trust, without touching the diagram', () => {
    const extra: TemplateEntry = {
      name: 'extra-role',
      placement: 'target',
      order: 10,
      summary: 'test only',
      enabled: () => true,
      build: () => ({
        AWSTemplateFormatVersion: '2010-09-09',
        Description: 'test only',
        Resources: { Extra: new IAM.Role({ RoleName: sub(`${P.prefix}-extra`), AssumeRolePolicyDocument: trustCiRoles([names.buildRole]) }) },
      }),
    };
    registry.push(extra);
    try {
      const m = diagramModel(defaultConfig());
      expect(labels(m, 'T_prod')).toContain('xacct-extra');
      expect(edge(m, 'xacct-build', 'xacct-extra')).toHaveLength(2);
    } finally {
      registry.splice(registry.indexOf(extra), 1);
    }
    expect(labels(diagramModel(defaultConfig()), 'T_prod')).not.toContain('xacct-extra');
  });
});

describe('drawings of the model', () => {
  const config = defaultConfig();
  const model = diagramModel(config);
  const nodes = model.groups.flatMap((g) => g.nodes);

  test('Mermaid: every group, node and edge', () => {
    const text = mermaidDiagram(config, model);
    for (const g of model.groups) expect(text).toContain(`subgraph ${g.id}["${g.label}"]`);
    for (const n of nodes) expect(text).toContain(`${n.id}`);
    expect(text.split('\n').filter((l) => /-->|\.->|---/.test(l))).toHaveLength(model.edges.length);
  });

  test('DOT quotes labels, so a quote or backslash in a name cannot break the graph', () => {
    const dot = dotDiagram(config, { groups: [{ id: 'G', label: 'say "hi" \\ there', nodes: [{ id: 'a', label: 'x"y', shape: 'role' }] }], edges: [] });
    expect(dot).toContain('label="say \\"hi\\" \\\\ there"');
    expect(renderSvg(dot)).toContain('x&quot;y');
  });

  test('SVG: Graphviz draws one node per model node, one edge per model edge, each label as text', () => {
    const svg = renderSvg(dotDiagram(config, model));
    expect(svg).toMatch(/^<\?xml[\s\S]*<svg /);
    expect(svg.match(/<g id="node\d+" class="node">/g)).toHaveLength(nodes.length);
    expect(svg.match(/<g id="edge\d+" class="edge">/g)).toHaveLength(model.edges.length);
    expect(svg.match(/<g id="clust\d+" class="cluster">/g)).toHaveLength(model.groups.length);
    // Graphviz writes '-' as &#45; in text.
    for (const n of nodes) expect(svg).toContain(`>${n.label.replace(/&/g, '&amp;').replace(/-/g, '&#45;')}</text>`);
  });

  test('invalid DOT is an error with Graphviz message, not an empty picture', () => {
    expect(() => renderSvg('digraph { a -> }')).toThrow(/^Graphviz: .*syntax error/);
  });

  test('dist/ has diagram.svg, listed in the manifest and shown by dist/README.md', () => {
    const { files, manifest } = buildDist(config);
    expect(files.get(DIAGRAM_SVG)).toBe(renderSvg(dotDiagram(config)));
    expect(manifest.files).toContain(DIAGRAM_SVG);
    expect(files.get('README.md')).toContain(`![Accounts, roles and trust](${DIAGRAM_SVG})`);
    expect(readFileSync(join(ROOT, 'dist', DIAGRAM_SVG), 'utf8')).toBe(files.get(DIAGRAM_SVG));
  });
});

/** Relative modules `file` imports statically (not `import type`, not `await import()`), recursively. */
function staticImports(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)';/gm)) {
    const spec = m[1];
    if (!spec.startsWith('.')) {
      seen.add(spec);
      continue;
    }
    const base = join(file, '..', spec);
    const candidates = [`${base}.ts`, join(base, 'index.ts')];
    const found = candidates.find((c) => {
      try {
        readFileSync(c);
        return true;
      } catch {
        return false;
      }
    });
    if (found) staticImports(found, seen);
  }
  return seen;
}

test("Graphviz is not on xacct --help's path: the CLI's static imports reach neither the renderer nor @viz-js/viz", () => {
  const reached = [...staticImports(join(ROOT, 'deploy', 'cli.ts'))];
  expect(reached.length).toBeGreaterThan(5);
  expect(reached.filter((f) => /diagram|@viz-js/.test(f))).toEqual([]);
  // The build command is where it is loaded, on demand.
  expect([...staticImports(join(ROOT, 'templates-src', 'build.ts'))].some((f) => f.endsWith('diagram-svg.ts'))).toBe(true);
});

test('the container and package stores: in the CI account, filled by the build role, read from every target group', () => {
  const m = diagramModel(fixtureConfig('stores'));
  const ci = m.groups.find((g) => g.id === 'CI')!;
  expect(ci.nodes.filter((n) => n.shape === 'store').map((n) => n.label)).toEqual(
    expect.arrayContaining(['ECR xacct/api', 'ECR xacct/worker', 'CodeArtifact xacct-packages/shared']),
  );
  expect(
    m.edges
      .filter((e) => e.from === 'ci_buildRole' && e.kind === 'flow')
      .map((e) => `${e.to} ${e.label}`)
      .sort(),
  ).toEqual(['codeartifact publish packages', 'ecr_api push images', 'ecr_worker push images']);
  for (const g of m.groups.filter((x) => x.id.startsWith('T_'))) {
    const readers = g.nodes.find((n) => n.label === 'roles of these accounts')!;
    expect(
      m.edges
        .filter((e) => e.from === readers.id)
        .map((e) => e.label)
        .sort(),
    ).toEqual(['pull images', 'pull images', 'read packages']);
  }
  expect(
    diagramModel(fixtureConfig('default'))
      .groups.flatMap((g) => g.nodes)
      .some((n) => n.label.startsWith('ECR ')),
  ).toBe(false);
});

test('GitHub Actions: the repository and the two roles its workflows assume', () => {
  const m = diagramModel(fixtureConfig('github'));
  expect(m.groups.find((g) => g.id === 'GH')!.nodes.map((n) => n.label)).toEqual(['GitHub Actions octo-org/infra']);
  expect(m.groups.find((g) => g.id === 'CI')!.nodes.map((n) => n.label)).toEqual(expect.arrayContaining(['xacct-github-deploy', 'xacct-github-plan']));
  expect(m.edges.filter((e) => e.from === 'github').map((e) => `${e.to} ${e.label}`)).toEqual([
    'ci_githubDeployRole OIDC: pushes to main',
    'ci_githubPlanRole OIDC: pull requests',
  ]);
  expect(diagramModel(fixtureConfig('default')).groups.some((g) => g.id === 'GH')).toBe(false);
});

test('a target that names accounts shows them in its box, and counts them past three', () => {
  const accounts = parseConfig({
    targets: { few: { accounts: ['555555555555'] }, many: { ous: ['Root/Prod'], accounts: ['111111111112', '111111111113', '111111111114', '111111111115'] } },
  });
  const text = mermaidDiagram(accounts);
  expect(text).toContain('target few: account 555555555555');
  expect(text).toContain('target many: Root/Prod, 4 accounts');
});
