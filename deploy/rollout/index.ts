/**
 * `xacct rollout`: one `stackset:` stage, with the StackSet engine `xacct deploy` uses for the role
 * StackSets (deployStackSet: attach to running operations, idempotent operation IDs, riding out
 * OperationInProgress, the verdict that names every failed account). What the pipeline's CodeBuild
 * action runs, and what any other CI can run: `--preview` computes the change and changes nothing.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Config } from '../../templates-src/config';
import { MAX_INLINE_BYTES, MAX_URL_BYTES } from '../../templates-src/delivery';
import { names } from '../../templates-src/names';
import type { CommandDeps } from '../deps';
import { XacctError } from '../errors';
import { OrgTree } from '../org-tree';
import { Identity, preflight } from '../preflight';
import { progressView, stackSetOptions } from '../progress';
import { deployStackSet } from '../stackset/lifecycle';
import { describeStep, StackSetSpec } from '../stackset/spec';
import { describeStack, outputsOf } from '../stack/read';
import { ensureObject, templateUrl } from '../upload';
import { previewRollout, previewSummary, renderPreview, RolloutPreview } from './preview';
import { contentHash, stackSetStage, stageOuIds, stageSpec, StageRef } from './stage';

export interface RolloutArgs {
  pipeline: string;
  stage: string;
  /** The application template (JSON or YAML), as the build produced it. */
  template: string;
  preview?: boolean;
  /** With `preview`: write the one-line summary here (what the approval shows). */
  summaryFile?: string;
}

export interface RolloutResult {
  stackSet: string;
  account: string;
  callAs: string;
  noChanges: boolean;
  created: boolean;
  operations: Array<{ kind: string; description: string; operationId: string; status: string }>;
  waitedFor: string[];
  warnings: string[];
}

/** The template as read from disk; bad input names the flag. StackSets read templates of up to 1 MB by URL. */
function readTemplate(file: string): string {
  let body: string;
  try {
    if (statSync(file).size > MAX_URL_BYTES)
      throw new XacctError('BAD_INPUT', `--template ${file} is ${statSync(file).size} bytes; CloudFormation reads at most ${MAX_URL_BYTES} bytes from S3`);
    body = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof XacctError) throw err;
    throw new XacctError('BAD_INPUT', `--template ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  if (body.trim() === '') throw new XacctError('BAD_INPUT', `--template ${file} is empty`);
  return body;
}

/**
 * "TemplateBody ... maximum length of 51,200 bytes"; beyond it the template goes to the CI account's
 * templates bucket (SSE-KMS with the artifact key, as the bucket requires) and StackSets reads it
 * from there ("CreateStackSet - AWS CloudFormation", TemplateURL).
 */
function largeTemplates(config: Config, identity: Identity, deps: Pick<CommandDeps, 'clients'>): (spec: StackSetSpec) => Promise<string> {
  return async (spec) => {
    const bucket = names.bucket(config.prefix, 'templates', identity.accountId, config.homeRegion);
    const key = names.stageTemplateKey(spec.name, contentHash(spec.templateBody));
    const keyStack = names.centralStack(config.prefix, 'kms-key');
    const keyArn = outputsOf(await describeStack(deps.clients.cfn(config.homeRegion), keyStack, config.homeRegion)).ArtifactKeyArn;
    await ensureObject(
      deps.clients.s3(config.homeRegion),
      { what: `StackSet '${spec.name}' template`, bucket, key, body: spec.templateBody, contentType: 'application/json' },
      keyArn,
    );
    return templateUrl(bucket, config.homeRegion, key);
  };
}

/** OU ID -> the config's reference for it, to name OUs in the preview (when no two references resolved to one ID). */
function ouNames(config: Config, ref: StageRef, ouIds: string[]): Map<string, string> {
  const refs = config.targets[ref.stage.target].ous;
  return new Map(refs.length === ouIds.length ? ouIds.map((id, i) => [id, refs[i]] as [string, string]) : []);
}

export function renderRollout(r: RolloutResult): string {
  const head = r.noChanges
    ? `no changes: StackSet ${r.stackSet} is as the stage wants it`
    : `rolled out StackSet ${r.stackSet}${r.created ? ' (created)' : ''}`;
  const lines = [`${head} (account ${r.account}, StackSets as ${r.callAs})`];
  for (const id of r.waitedFor) lines.push(`  waited for running operation ${id}`);
  for (const op of r.operations) lines.push(`  ${op.description}: ${op.operationId} ${op.status}`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

/** Roll the stage's StackSet out (or, with `preview`, say what that would change). */
export async function runRollout(config: Config, args: RolloutArgs, deps: CommandDeps): Promise<RolloutResult | RolloutPreview> {
  const ref = stackSetStage(config, args.pipeline, args.stage);
  if (args.summaryFile !== undefined && !args.preview) throw new XacctError('BAD_INPUT', '--summary-file goes with --preview');
  const body = readTemplate(args.template);
  const home = deps.clients.cfn(config.homeRegion);
  const identity = await preflight({ sts: deps.clients.sts, org: deps.clients.org, cfn: home }, deps.io, { readOnly: Boolean(args.preview) });
  const tree = new OrgTree(deps.clients.org, identity.organizationId, identity.managementAccountId);
  const ouIds = await stageOuIds(config, ref, tree);
  const spec = stageSpec(config, ref, body, ouIds);
  if (args.preview) {
    const preview = await previewRollout(home, spec, { callAs: identity.callAs, tree, ouNames: ouNames(config, ref, ouIds) });
    const report: RolloutPreview = {
      account: identity.accountId,
      callAs: identity.callAs,
      organizationId: identity.organizationId,
      pipeline: ref.pipeline.name,
      stage: ref.stage.name,
      preview,
      summary: previewSummary(preview),
    };
    if (args.summaryFile) writeFileSync(args.summaryFile, `${report.summary}\n`);
    deps.io.result(renderPreview(report), report);
    return report;
  }
  if (Buffer.byteLength(body) > MAX_INLINE_BYTES)
    deps.io.info(
      `${spec.name}: template is ${Buffer.byteLength(body)} bytes, over the ${MAX_INLINE_BYTES}-byte inline limit; it goes through the templates bucket`,
    );
  const view = progressView(deps.io);
  try {
    const options = {
      ...stackSetOptions(deps, view, identity.callAs),
      ...(Buffer.byteLength(body) > MAX_INLINE_BYTES ? { templateUrl: largeTemplates(config, identity, deps) } : {}),
    };
    const outcome = await deployStackSet(home, spec, options);
    const result: RolloutResult = {
      stackSet: spec.name,
      account: identity.accountId,
      callAs: identity.callAs,
      noChanges: outcome.noop,
      created: outcome.created,
      operations: outcome.steps.map((s) => ({ kind: s.step.kind, description: describeStep(s.step), operationId: s.operationId, status: s.status })),
      waitedFor: outcome.waitedFor,
      warnings: outcome.warnings,
    };
    for (const w of outcome.warnings) deps.io.warn(`StackSet '${spec.name}': ${w}`);
    deps.io.result(renderRollout(result), result);
    return result;
  } finally {
    view.done();
  }
}
