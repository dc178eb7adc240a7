/**
 * The CI recipes in examples/: the GitHub Actions workflow checked by GitHub's own workflow parser
 * (@actions/workflow-parser), the CodeBuild buildspec by a JSON Schema of AWS's buildspec
 * reference (ajv); each validator rejects a broken fixture. Then their shell steps run against a
 * stand-in `xacct` for each exit code plan can give, and the flags they pass are xacct's own.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { defaultConfig } from '../../templates-src/config';
import { names } from '../../templates-src/names';
import { main } from '../../deploy/cli';
import { BUILDSPEC_SCHEMA } from '../support/buildspec-schema';
import { template } from '../support/build';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const WORKFLOW = join(ROOT, 'examples', 'github-actions', 'xacct.yml');
const BUILDSPEC = join(ROOT, 'examples', 'codebuild', 'buildspec.yml');
const BROKEN = join(ROOT, 'test', 'fixtures', 'examples');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

jest.setTimeout(60_000);

async function parseWorkflow(file: string): Promise<{ errors: string[] }> {
  const { stdout } = await run(process.execPath, [join(ROOT, 'test', 'support', 'github-workflow.mjs'), file], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as { errors: string[] };
}

/** A stand-in `xacct` on PATH: logs its arguments, prints a plan, exits with PLAN_EXIT for plan. */
function fakeXacct(): { dir: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'xacct-recipe-'));
  const log = join(dir, 'calls.log');
  writeFileSync(
    join(dir, 'xacct'),
    `#!/usr/bin/env bash\necho "$*" >> "${log}"\nif [ "$1" = plan ]; then echo "StackSet xacct-cross-account-role: 2 accounts to add"; exit "\${PLAN_EXIT:-0}"; fi\n`,
  );
  chmodSync(join(dir, 'xacct'), 0o755);
  return { dir, log };
}

async function cliHelp(command: string): Promise<string> {
  const chunks: string[] = [];
  // yargs prints help with console.log (jest buffers that in its workers) and then exits the process.
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (chunks.push(String(s)), true));
  const log = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void chunks.push(args.join(' ')));
  const exit = jest.spyOn(process, 'exit').mockImplementation(() => undefined as never);
  try {
    await main([command, '--help']);
  } finally {
    out.mockRestore();
    log.mockRestore();
    exit.mockRestore();
  }
  return chunks.join('');
}

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
}
interface Job {
  if: string;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  permissions: Record<string, string>;
  environment?: unknown;
  steps: Step[];
}

describe('GitHub Actions workflow (examples/github-actions/xacct.yml)', () => {
  const workflow = parse(readFileSync(WORKFLOW, 'utf8')) as { on: Record<string, unknown>; env: Record<string, string>; jobs: Record<string, Job> };
  const { plan, deploy } = workflow.jobs;
  const roleOf = (job: Job) => job.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))?.with?.['role-to-assume'];

  test("GitHub's workflow parser accepts it", async () => {
    expect((await parseWorkflow(WORKFLOW)).errors).toEqual([]);
  });

  test("GitHub's workflow parser rejects the broken fixture, naming each problem", async () => {
    const { errors } = await parseWorkflow(join(BROKEN, 'broken-workflow.yml'));
    expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(/Unexpected value 'id-tokens'/), expect.stringMatching(/Unexpected value 'step'/)]));
  });

  test('plans on pull requests with the plan role, deploys pushes to main with the deploy role, both through OIDC', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push']);
    expect(plan.if).toBe("github.event_name == 'pull_request'");
    expect(deploy.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    for (const job of [plan, deploy]) expect(job.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    const prefix = '${{ env.XACCT_PREFIX }}';
    expect(roleOf(plan)).toBe(`arn:aws:iam::\${{ vars.XACCT_CI_ACCOUNT_ID }}:role/${names.githubPlanRole(prefix)}`);
    expect(roleOf(deploy)).toBe(`arn:aws:iam::\${{ vars.XACCT_CI_ACCOUNT_ID }}:role/${names.githubDeployRole(prefix)}`);
    // An environment would change the OIDC subject to repo:OWNER/REPO:environment:NAME, which the deploy role refuses.
    expect(deploy.environment).toBeUndefined();
    // One deploy at a time; a queued one waits rather than cancel a running StackSet operation.
    expect(deploy.concurrency).toEqual({ group: 'xacct-deploy', 'cancel-in-progress': false });
    expect(deploy.steps.map((s) => s.run).filter(Boolean)).toContain('xacct deploy --config "$XACCT_CONFIG" --yes --no-color');
  });

  test("the roles it assumes are the ones the config's github section creates, for the branch it deploys from", () => {
    const t = template('github', 'github-oidc-role');
    const roleName = (id: string) => (t.Resources[id].Properties as { RoleName: unknown }).RoleName;
    expect(roleName('GithubDeployRole')).toEqual({ 'Fn::Sub': names.githubDeployRole('${Prefix}') });
    expect(roleName('GithubPlanRole')).toEqual({ 'Fn::Sub': names.githubPlanRole('${Prefix}') });
    expect(workflow.on.push).toEqual({ branches: [t.Parameters!.GithubBranch.Default] });
    expect(JSON.stringify(t.Resources.GithubDeployRole.Properties!.AssumeRolePolicyDocument)).toContain(
      'repo:${GithubRepository}:ref:refs/heads/${GithubBranch}',
    );
    expect(JSON.stringify(t.Resources.GithubPlanRole.Properties!.AssumeRolePolicyDocument)).toContain('repo:${GithubRepository}:pull_request');
  });

  test('installs this version of xacct, with the default prefix', () => {
    expect(workflow.env.XACCT_VERSION).toBe(VERSION);
    expect(workflow.env.XACCT_PREFIX).toBe(defaultConfig().prefix);
  });

  // GitHub runs `run:` with `bash --noprofile --norc -eo pipefail {0}` (Workflow syntax for GitHub Actions: defaults.run.shell).
  const planStep = plan.steps.find((s) => s.name === 'xacct plan')!;
  test.each([
    [0, 0, 'No changes.', 'false'],
    [3, 0, 'Changes pending: merging to main deploys them.', 'true'],
    [1, 1, 'xacct plan failed (exit 1); see the job log.', 'false'],
  ])('the plan step, xacct plan exiting %i: step exits %i, the summary says so and holds the plan', (planExit, stepExit, says, changes) => {
    const { dir, log } = fakeXacct();
    const summary = join(dir, 'summary.md');
    const output = join(dir, 'output');
    const script = join(dir, 'step.sh');
    writeFileSync(script, planStep.run!);
    let code = 0;
    try {
      execFileSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
        cwd: dir,
        env: {
          PATH: `${dir}:${process.env.PATH}`,
          PLAN_EXIT: String(planExit),
          XACCT_CONFIG: 'xacct.yaml',
          GITHUB_STEP_SUMMARY: summary,
          GITHUB_OUTPUT: output,
        },
        stdio: 'pipe',
      });
    } catch (err) {
      code = (err as { status: number }).status;
    }
    expect(code).toBe(stepExit);
    expect(readFileSync(log, 'utf8').trim()).toBe('plan --config xacct.yaml --detailed-exitcode --no-color');
    const text = readFileSync(summary, 'utf8');
    expect(text).toContain('## xacct plan');
    expect(text).toContain(says);
    expect(text).toContain('```\nStackSet xacct-cross-account-role: 2 accounts to add\n```');
    expect(readFileSync(output, 'utf8')).toBe(`changes=${changes}\n`);
  });

  test("the flags it passes are xacct's", async () => {
    expect(await cliHelp('plan')).toMatch(/--detailed-exitcode\b/);
    expect(await cliHelp('deploy')).toMatch(/--yes\b/);
    expect(await cliHelp('plan')).toMatch(/--color\b/);
  });
});

describe('CodeBuild buildspec (examples/codebuild/buildspec.yml)', () => {
  const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(BUILDSPEC_SCHEMA);
  const buildspec = parse(readFileSync(BUILDSPEC, 'utf8')) as {
    env: { variables: Record<string, string> };
    phases: Record<string, { commands: string[] }>;
    artifacts: { files: string[] };
  };

  test('matches the buildspec reference', () => {
    expect(validate(buildspec) ? [] : validate.errors).toEqual([]);
  });

  test('the broken fixture is rejected: a misspelled phase, a command that is not a list, an unknown switch value', () => {
    const broken = parse(readFileSync(join(BROKEN, 'broken-buildspec.yml'), 'utf8'));
    expect(validate(broken)).toBe(false);
    const found = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
    expect(found).toEqual(
      expect.arrayContaining([
        '/phases must NOT have additional properties',
        '/phases/build/commands must be array',
        '/env/git-credential-helper must be equal to one of the allowed values',
      ]),
    );
  });

  test('installs this version of xacct, and keeps the plan as a build artifact', () => {
    expect(buildspec.env.variables.XACCT_VERSION).toBe(VERSION);
    expect(buildspec.artifacts.files).toEqual(['plan.txt']);
  });

  // CodeBuild runs a phase's commands in one shell and stops at the first that fails ("Build specification reference": phases).
  test.each([
    [0, 0, true],
    [3, 0, true],
    [1, 1, false],
  ])('plan exiting %i: the build exits %i, deploy runs: %s', (planExit, buildExit, deploys) => {
    const { dir, log } = fakeXacct();
    const script = join(dir, 'build.sh');
    writeFileSync(script, buildspec.phases.build.commands.map((c) => `${c} || exit $?`).join('\n') + '\n');
    let code = 0;
    try {
      execFileSync('bash', [script], {
        cwd: dir,
        env: { PATH: `${dir}:${process.env.PATH}`, PLAN_EXIT: String(planExit), ...buildspec.env.variables },
        stdio: 'pipe',
      });
    } catch (err) {
      code = (err as { status: number }).status;
    }
    expect(code).toBe(buildExit);
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(calls[0]).toBe('plan --config xacct.yaml --detailed-exitcode --no-color');
    expect(calls.includes('deploy --config xacct.yaml --yes --no-color')).toBe(deploys);
  });
});
