/**
 * Access-path proofs for the new stage kinds: `<prefix>-stackset-deploy` (the role xacct's engine
 * runs as in CodeBuild) may roll out its stage StackSets and nothing else of the organization; the
 * cross-account role may start the configured CodeBuild projects and invoke the configured Lambda
 * functions, only those and only where their stages run, and nothing of the kind when no stage uses
 * them. Each evaluates the generated policies with iam-simulate.
 */
import { buildDist } from '../../templates-src/build';
import type { Config } from '../../templates-src/config';
import { defaultConfig } from '../../templates-src/config';
import { names } from '../../templates-src/names';
import { deployerPolicy } from '../../templates-src/deployer-policy';
import type { JsonObject } from '../../templates-src/checks/types';
import { fixtureConfig } from '../support/build';
import { CI, decide, deployedValues, organizationValues, policyOf, Request, TARGET, TARGET_PATH, templateOf } from './access-support';

const MANAGEMENT = '555555555555';
const KEY_ID = 'mrk-0f1e2d3c4b5a69788a9b0c1d2e3f4a5b';

function setting(config: Config) {
  const region = config.homeRegion;
  const keyArn = `arn:aws:kms:${region}:${CI}:key/${KEY_ID}`;
  const common = organizationValues(config.prefix, region, keyArn);
  const templates = buildDist(config).templates;
  const policy = (template: string, resource: string, kind: 'inline' | 'key' | 'bucket', account: string) => {
    const t = templateOf(templates, template);
    return policyOf(t, resource, kind, deployedValues(t, account, common));
  };
  return { region, keyArn, policy };
}

describe('<prefix>-stackset-deploy (stackset config)', () => {
  const config = fixtureConfig('stackset');
  const s = setting(config);
  const identity = s.policy('pipeline', 'StacksetDeployRole', 'inline', CI);
  const principal = `arn:aws:iam::${CI}:role/${names.stacksetDeployRole(config.prefix)}`;
  const ask = (
    action: string,
    resource: string,
    resourceAccount: string,
    context: Record<string, string | string[]> = {},
    resourcePolicy?: Request['resourcePolicy'],
  ): Promise<string> => decide({ principal, action, resource, resourceAccount, identity, context, resourcePolicy });
  // Service-managed StackSets live in the management account, also when a delegated administrator makes
  // them ("CreateStackSet - AWS CloudFormation", CallAs); StackSets have no resource policy, so the call
  // is the delegated administrator's own, authorized by its account's IAM: the request's account is CI's.
  const stackSet = (name: string, region = s.region) => `arn:aws:cloudformation:${region}:${MANAGEMENT}:stackset/${name}:0c1d2e3f-4a5b-6978-8a9b-0f1e2d3c4b5a`;
  const templatesObject = (key: string) => `arn:aws:s3:::${names.bucket(config.prefix, 'templates', CI, s.region)}/${key}`;
  const artifactsObject = (key: string) => `arn:aws:s3:::${names.bucket(config.prefix, 'artifacts', CI, s.region)}/${key}`;

  test.each(['xacct-app-NonProd', 'xacct-app-Prod'])('allowed: every call of a rollout on its stage StackSet %s', async (name) => {
    for (const action of [
      'DescribeStackSet',
      'UpdateStackSet',
      'CreateStackInstances',
      'DeleteStackInstances',
      'ListStackInstances',
      'DescribeStackSetOperation',
      'ListStackSetOperations',
      'ListStackSetOperationResults',
    ]) {
      expect([action, await ask(`cloudformation:${action}`, stackSet(name), CI)]).toEqual([action, 'Allowed']);
    }
  });

  test('allowed: creating a StackSet only with the prefix tag', async () => {
    expect(await ask('cloudformation:CreateStackSet', '*', CI, { 'aws:RequestTag/xacct:prefix': 'xacct', 'aws:TagKeys': ['xacct:prefix'] })).toBe('Allowed');
    expect(await ask('cloudformation:CreateStackSet', '*', CI)).toBe('ImplicitlyDenied');
    expect(await ask('cloudformation:CreateStackSet', '*', CI, { 'aws:RequestTag/xacct:prefix': 'other', 'aws:TagKeys': ['xacct:prefix'] })).toBe(
      'ImplicitlyDenied',
    );
  });

  test("denied: other StackSets, xacct's role StackSets included, and its own in another region", async () => {
    for (const name of [
      'xacct-cross-account-role',
      'xacct-cloudformation-role',
      'xacct-app-Other',
      'xacct-app-Prod2',
      'other-app-Prod',
      'xacct-codecommit-source-app',
    ]) {
      expect([name, await ask('cloudformation:UpdateStackSet', stackSet(name), CI)]).toEqual([name, 'ImplicitlyDenied']);
      expect([name, await ask('cloudformation:CreateStackInstances', stackSet(name), CI)]).toEqual([name, 'ImplicitlyDenied']);
    }
    expect(await ask('cloudformation:UpdateStackSet', stackSet('xacct-app-Prod', 'us-east-1'), CI)).toBe('ImplicitlyDenied');
    expect(await ask('cloudformation:DeleteStackSet', stackSet('xacct-app-Prod'), CI)).toBe('ImplicitlyDenied');
  });

  test("denied: stacks of other accounts and the CI account's own stacks, and roles to pass or assume", async () => {
    for (const action of ['cloudformation:UpdateStack', 'cloudformation:CreateChangeSet', 'cloudformation:ExecuteChangeSet', 'cloudformation:DeleteStack']) {
      expect(await ask(action, `arn:aws:cloudformation:${s.region}:${TARGET}:stack/app/0c1d2e3f`, TARGET)).toBe('ImplicitlyDenied');
      expect(await ask(action, `arn:aws:cloudformation:${s.region}:${CI}:stack/xacct-pipeline/0c1d2e3f`, CI)).toBe('ImplicitlyDenied');
    }
    expect(await ask('iam:PassRole', `arn:aws:iam::${CI}:role/xacct-pipeline`, CI)).toBe('ImplicitlyDenied');
    expect(await ask('sts:AssumeRole', `arn:aws:iam::${TARGET}:role/xacct-cross-account`, TARGET)).toBe('ImplicitlyDenied');
    // Reading the key's stack outputs (its ARN) is all it may do with the CI account's stacks.
    expect(await ask('cloudformation:DescribeStacks', `arn:aws:cloudformation:${s.region}:${CI}:stack/xacct-kms-key/0c1d2e3f`, CI)).toBe('Allowed');
  });

  test('the engine it runs cannot be replaced by it: it reads the engine and config, puts only large templates and preview reports', async () => {
    expect(await ask('s3:GetObject', templatesObject('xacct/engine/0123456789abcdef.js'), CI)).toBe('Allowed');
    expect(await ask('s3:GetObject', templatesObject('xacct/config/0123456789abcdef.json'), CI)).toBe('Allowed');
    expect(await ask('s3:PutObject', templatesObject('xacct/engine/0123456789abcdef.js'), CI)).toBe('ImplicitlyDenied');
    expect(await ask('s3:PutObject', templatesObject('xacct/config/0123456789abcdef.json'), CI)).toBe('ImplicitlyDenied');
    expect(await ask('s3:PutObject', templatesObject('xacct/templates/xacct-app-Prod/0123456789abcdef.json'), CI)).toBe('Allowed');
    expect(await ask('s3:PutObject', templatesObject('xacct/templates/pipeline/0123456789abcdef.json'), CI)).toBe('ImplicitlyDenied');
    expect(await ask('s3:PutObject', artifactsObject('xacct/previews/app/Prod/exec-1.txt'), CI)).toBe('Allowed');
    expect(await ask('s3:PutObject', artifactsObject('xacct-app/BuildOutput/abc.zip'), CI)).toBe('ImplicitlyDenied');
    expect(await ask('s3:GetObject', artifactsObject('xacct-app/BuildOutput/abc.zip'), CI)).toBe('Allowed');
  });

  test('the artifact key, through S3 only: its identity policy and the key policy agree', async () => {
    const keyPolicy = s.policy('kms-key', 'ArtifactKey', 'key', CI)[0];
    const viaS3 = { 'kms:ViaService': `s3.${s.region}.amazonaws.com`, 'kms:ResourceAliases': [names.keyAlias(config.prefix)] };
    expect(await ask('kms:Decrypt', s.keyArn, CI, viaS3, keyPolicy)).toBe('Allowed');
    expect(await ask('kms:GenerateDataKey', s.keyArn, CI, viaS3, keyPolicy)).toBe('Allowed');
    expect(await ask('kms:Decrypt', s.keyArn, CI, { 'kms:ResourceAliases': [names.keyAlias(config.prefix)] }, keyPolicy)).not.toBe('Allowed');
  });

  test("the deployer's policy covers every call of a rollout too (xacct rollout from another CI)", async () => {
    const deployer = [deployerPolicy(config) as unknown as JsonObject];
    const asDeployer = (action: string, resource: string, context: Record<string, string | string[]> = {}) =>
      decide({ principal: `arn:aws:iam::${CI}:role/deployer`, action, resource, resourceAccount: CI, identity: deployer, context });
    for (const action of [
      'DescribeStackSet',
      'UpdateStackSet',
      'CreateStackInstances',
      'DeleteStackInstances',
      'ListStackInstances',
      'DescribeStackSetOperation',
      'ListStackSetOperations',
      'ListStackSetOperationResults',
    ]) {
      expect([action, await asDeployer(`cloudformation:${action}`, stackSet('xacct-app-Prod'))]).toEqual([action, 'Allowed']);
    }
    for (const action of [
      'cloudformation:CreateStackSet',
      'cloudformation:DescribeOrganizationsAccess',
      'organizations:ListAccountsForParent',
      'organizations:ListOrganizationalUnitsForParent',
      'organizations:ListRoots',
      'sts:GetCallerIdentity',
    ]) {
      expect([action, await asDeployer(action, '*')]).toEqual([action, 'Allowed']);
    }
    expect(await asDeployer('cloudformation:DescribeStacks', `arn:aws:cloudformation:${s.region}:${CI}:stack/xacct-kms-key/0c1d2e3f`)).toBe('Allowed');
    expect(await asDeployer('s3:PutObject', templatesObject('xacct/templates/xacct-app-Prod/0123456789abcdef.json'))).toBe('Allowed');
    // The key's side of that put (TemplatesBucketUseByAccount) is deploy's own upload path; iam-simulate does not read
    // kms:EncryptionContext:aws:s3:arn from the request context, so it is left out here.
  });

  test('no config without a stackset: stage has the role', () => {
    expect(() => setting(defaultConfig()).policy('pipeline', 'StacksetDeployRole', 'inline', CI)).toThrow(/no inline policy on StacksetDeployRole/);
  });
});

describe('the cross-account role with codebuild: and lambda: stages (target-actions config)', () => {
  const config = fixtureConfig('target-actions');
  const s = setting(config);
  const identity = s.policy('cross-account-role', 'CrossAccountRole', 'inline', TARGET);
  const principal = `arn:aws:iam::${TARGET}:role/${names.crossAccountRole(config.prefix)}`;
  const ask = (action: string, resource: string): Promise<string> =>
    decide({ principal, orgPath: TARGET_PATH, action, resource, resourceAccount: resource.split(':')[4], identity });
  const project = (name: string, region: string, account = TARGET) => `arn:aws:codebuild:${region}:${account}:project/${name}`;
  const fn = (name: string, region: string, account = TARGET) => `arn:aws:lambda:${region}:${account}:function:${name}`;

  test('starts and watches the configured project in each region its stages run in', async () => {
    for (const region of ['eu-west-1', 'eu-central-1']) {
      expect(await ask('codebuild:StartBuild', project('svc-migrate', region))).toBe('Allowed');
      expect(await ask('codebuild:BatchGetBuilds', project('svc-migrate', region))).toBe('Allowed');
    }
  });

  test('no other project, region, account or CodeBuild action', async () => {
    expect(await ask('codebuild:StartBuild', project('svc-other', 'eu-west-1'))).toBe('ImplicitlyDenied');
    expect(await ask('codebuild:StartBuild', project('svc-migrate', 'us-east-1'))).toBe('ImplicitlyDenied');
    expect(await ask('codebuild:StartBuild', project('svc-migrate', 'eu-west-1', '444444444444'))).toBe('ImplicitlyDenied');
    for (const action of ['codebuild:UpdateProject', 'codebuild:DeleteProject', 'codebuild:StopBuild'])
      expect(await ask(action, project('svc-migrate', 'eu-west-1'))).toBe('ImplicitlyDenied');
  });

  test('invokes the configured functions (and the alias) where their stages run, nothing else of Lambda', async () => {
    expect(await ask('lambda:InvokeFunction', fn('svc-smoke', 'eu-west-1'))).toBe('Allowed');
    expect(await ask('lambda:InvokeFunction', fn('svc-smoke:live', 'eu-central-1'))).toBe('Allowed');
    expect(await ask('lambda:InvokeFunction', fn('svc-smoke', 'eu-central-1'))).toBe('ImplicitlyDenied');
    expect(await ask('lambda:InvokeFunction', fn('svc-other', 'eu-west-1'))).toBe('ImplicitlyDenied');
    expect(await ask('lambda:InvokeFunction', fn('svc-smoke', 'eu-west-1', '444444444444'))).toBe('ImplicitlyDenied');
    for (const action of ['lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:GetFunction'])
      expect(await ask(action, fn('svc-smoke', 'eu-west-1'))).toBe('ImplicitlyDenied');
  });

  test('without such stages the role may neither start builds nor invoke functions', async () => {
    const plain = setting(defaultConfig()).policy('cross-account-role', 'CrossAccountRole', 'inline', TARGET);
    const askPlain = (action: string, resource: string) =>
      decide({ principal, orgPath: TARGET_PATH, action, resource, resourceAccount: TARGET, identity: plain });
    expect(await askPlain('codebuild:StartBuild', project('svc-migrate', 'eu-west-1'))).toBe('ImplicitlyDenied');
    expect(await askPlain('lambda:InvokeFunction', fn('svc-smoke', 'eu-west-1'))).toBe('ImplicitlyDenied');
  });
});
