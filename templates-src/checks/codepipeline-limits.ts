/**
 * codepipeline-limits: every AWS::CodePipeline::Pipeline stays within CodePipeline's structural
 * quotas, so a pipeline that CodePipeline would reject never reaches CloudFormation. Numbers from
 * "Quotas in AWS CodePipeline" and the CodePipeline API Reference (ActionDeclaration,
 * ActionConfigurationValue, ArtifactName, OutputArtifact).
 */
import type { Json } from '../cfn';
import { Check, Finding, isObject, reporter, section, TemplateUnderCheck } from './types';

export const CODEPIPELINE_LIMITS = {
  /** "Number of stages in a pipeline — Minimum of 2, maximum of 50". */
  minStages: 2,
  maxStages: 50,
  /** "Number of actions in a stage — Minimum of 1, maximum of 50". */
  minActionsPerStage: 1,
  maxActionsPerStage: 50,
  /** "Maximum number of actions per pipeline — 500". */
  maxActionsPerPipeline: 500,
  /** Pipeline, stage and action names: 1–100 of `[A-Za-z0-9.@\-_]`. */
  maxNameLength: 100,
  /** ActionConfigurationValue: at most 1,000 characters. */
  maxConfigurationValue: 1000,
  /** "a maximum size limit of 1 kilobyte for the JSON object ... stored in the ParameterOverrides property". */
  maxParameterOverridesBytes: 1024,
} as const;

const NAME = /^[A-Za-z0-9.@\-_]+$/;
/** ArtifactName: `[a-zA-Z0-9_\-]+`, 1–100 characters (no period, unlike stage and action names). */
const ARTIFACT = /^[A-Za-z0-9_-]{1,100}$/;

const list = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);
const names = (v: Json | undefined): string[] => list(v).flatMap((a) => (isObject(a) && typeof a.Name === 'string' ? [a.Name] : []));

function checkName(kind: string, name: unknown, report: (message: string) => void): void {
  if (typeof name !== 'string') return; // an intrinsic: resolved by CloudFormation, checked there
  if (name.length > CODEPIPELINE_LIMITS.maxNameLength || !NAME.test(name)) {
    report(`${kind} name "${name}" must be 1-${CODEPIPELINE_LIMITS.maxNameLength} characters of A-Z a-z 0-9 . @ - _`);
  }
}

function checkConfiguration(action: string, configuration: Json | undefined, report: (message: string) => void): void {
  if (!isObject(configuration)) return;
  for (const [key, value] of Object.entries(configuration)) {
    if (typeof value !== 'string') continue;
    if (key === 'ParameterOverrides' && Buffer.byteLength(value) > CODEPIPELINE_LIMITS.maxParameterOverridesBytes) {
      report(
        `action "${action}": ParameterOverrides is ${Buffer.byteLength(value)} bytes; CodePipeline stores at most ${CODEPIPELINE_LIMITS.maxParameterOverridesBytes} (use a TemplateConfiguration file instead)`,
      );
    } else if (value.length > CODEPIPELINE_LIMITS.maxConfigurationValue) {
      report(`action "${action}": configuration ${key} is ${value.length} characters; CodePipeline allows ${CODEPIPELINE_LIMITS.maxConfigurationValue}`);
    }
  }
}

function checkStages(stages: Json[], report: (message: string) => void): void {
  const L = CODEPIPELINE_LIMITS;
  if (stages.length < L.minStages || stages.length > L.maxStages) report(`${stages.length} stages; CodePipeline needs ${L.minStages} to ${L.maxStages}`);
  const stageNames = new Set<string>();
  const outputs = new Set<string>();
  let total = 0;
  for (const stage of stages) {
    if (!isObject(stage)) continue;
    const stageName = typeof stage.Name === 'string' ? stage.Name : '?';
    checkName('stage', stage.Name, report);
    if (stageNames.has(stageName)) report(`stage name "${stageName}" is used twice; stage names are unique within a pipeline`);
    stageNames.add(stageName);
    const actions = list(stage.Actions);
    total += actions.length;
    if (actions.length < L.minActionsPerStage || actions.length > L.maxActionsPerStage) {
      report(`stage "${stageName}" has ${actions.length} actions; CodePipeline allows ${L.minActionsPerStage} to ${L.maxActionsPerStage} per stage`);
    }
    const actionNames = new Set<string>();
    for (const action of actions) {
      if (!isObject(action)) continue;
      const actionName = typeof action.Name === 'string' ? action.Name : '?';
      checkName('action', action.Name, report);
      if (actionNames.has(actionName)) report(`stage "${stageName}": action name "${actionName}" is used twice; action names are unique within a stage`);
      actionNames.add(actionName);
      checkConfiguration(`${stageName}/${actionName}`, action.Configuration, report);
      for (const artifact of [...names(action.InputArtifacts), ...names(action.OutputArtifacts)]) {
        if (!ARTIFACT.test(artifact)) report(`action "${stageName}/${actionName}": artifact name "${artifact}" must be 1-100 characters of A-Z a-z 0-9 _ -`);
      }
      for (const out of names(action.OutputArtifacts)) {
        if (outputs.has(out))
          report(`action "${stageName}/${actionName}": output artifact "${out}" is produced twice; output artifact names are unique within a pipeline`);
        outputs.add(out);
      }
    }
  }
  if (total > L.maxActionsPerPipeline) report(`${total} actions; CodePipeline allows ${L.maxActionsPerPipeline} per pipeline`);
}

export const codepipelineLimits: Check = {
  rule: 'codepipeline-limits',
  summary: 'Every pipeline stays within CodePipeline quotas: 2-50 stages, 1-50 actions per stage, 500 per pipeline, names, artifacts, configuration sizes.',
  run(t: TemplateUnderCheck) {
    const found = reporter(t, 'codepipeline-limits');
    const out: Finding[] = [];
    for (const [id, r] of Object.entries(section(t, 'Resources'))) {
      if (!isObject(r) || r.Type !== 'AWS::CodePipeline::Pipeline' || !isObject(r.Properties)) continue;
      checkStages(list(r.Properties.Stages), (message) => out.push(found(id, message)));
    }
    return out;
  },
};
