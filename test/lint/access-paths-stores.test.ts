/**
 * Proofs for the stores and the roles the first access-path suite does not reach: the key policy's
 * break-glass, the regional key replicas and buckets, the templates bucket, the optional automation
 * role and CodeDeploy instance roles. Each evaluates the generated policies with iam-simulate.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { buildDist } from '../../templates-src/build';
import type { Config } from '../../templates-src/config';
import { names } from '../../templates-src/names';
import { fixtureConfig } from '../support/build';
import {
  awsManagedPolicy,
  CI,
  decide,
  deployedValues,
  organizationValues,
  OTHER_OU_ACCOUNT,
  OTHER_PATH,
  OUTSIDER,
  policyOf,
  Request,
  roleAccess,
  TARGET,
  TARGET_PATH,
  templateOf,
  Values,
} from './access-support';
import type { JsonObject } from '../../templates-src/checks/types';

const KEY_ID = 'mrk-0f1e2d3c4b5a69788a9b0c1d2e3f4a5b';
const admin = [awsManagedPolicy('arn:aws:iam::aws:policy/AdministratorAccess')];

function setting(config: Config, region = config.homeRegion) {
  const keyArn = `arn:aws:kms:${region}:${CI}:key/${KEY_ID}`;
  const common: Values = {
    ...organizationValues(config.prefix, region, keyArn),
    PrimaryKeyArn: `arn:aws:kms:${config.homeRegion}:${CI}:key/${KEY_ID}`,
    'getatt:ArtifactKeyReplica.Arn': keyArn,
  };
  const templates = buildDist(config).templates;
  const inCi = (name: string, id: string, kind: 'key' | 'bucket' | 'inline') => {
    const t = templateOf(templates, name);
    return policyOf(t, id, kind, deployedValues(t, CI, common))[0];
  };
  const bucket = (kind: 'artifacts' | 'templates') => names.bucket(config.prefix, kind, CI, region);
  const object = (kind: 'artifacts' | 'templates', key = `${config.prefix}-app/BuildOutput/abc.zip`) => `arn:aws:s3:::${bucket(kind)}/${key}`;
  const role = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
  const sse = { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn };
  return { config, region, keyArn, templates, common, inCi, bucket, object, role, sse };
}

describe('the artifact key: administration without use, and the break-glass it cannot avoid', () => {
  const s = setting(fixtureConfig('default'));
  const keyPolicy = s.inCi('kms-key', 'ArtifactKey', 'key');
  const ask = (action: string, identity: JsonObject[], context: Record<string, string> = {}): Request => ({
    principal: s.role(CI, 'Administrator'),
    action,
    resource: s.keyArn,
    resourceAccount: CI,
    identity,
    resourcePolicy: keyPolicy,
    context,
  });
  test('an administrator of the CI account cannot decrypt with the key or grant itself its use', async () => {
    expect(await decide(ask('kms:Decrypt', admin))).toBe('ImplicitlyDenied');
    expect(await decide(ask('kms:ReEncryptFrom', admin))).toBe('ImplicitlyDenied');
    expect(await decide(ask('kms:CreateGrant', admin))).toBe('ExplicitlyDenied');
  });
  test('break-glass, deliberately: an administrator may rewrite the key policy or replicate the key', async () => {
    expect(await decide(ask('kms:PutKeyPolicy', admin))).toBe('Allowed');
    expect(await decide(ask('kms:ReplicateKey', admin))).toBe('Allowed');
  });
  test('a principal of the account without IAM permission for it may not', async () => {
    expect(await decide(ask('kms:PutKeyPolicy', []))).toBe('ImplicitlyDenied');
  });
});

describe('the regional key replica and buckets (two-region config, us-east-1)', () => {
  const s = setting(fixtureConfig('two-region'), 'us-east-1');
  const keyPolicy = s.inCi('regional-store', 'ArtifactKeyReplica', 'key');
  const artifactPolicy = s.inCi('regional-store', 'ArtifactBucketPolicy', 'bucket');
  const crossAccount = s.role(TARGET, names.crossAccountRole(s.config.prefix));
  const t = templateOf(buildDist(s.config).templates, 'cross-account-role');
  const identity = policyOf(t, 'CrossAccountRole', 'inline', deployedValues(t, TARGET, s.common));
  const viaS3 = { 'kms:ViaService': 's3.us-east-1.amazonaws.com' };
  const keyUse = (principal: string, orgPath: string | undefined): Request => ({
    principal,
    orgPath,
    action: 'kms:Decrypt',
    resource: s.keyArn,
    resourceAccount: CI,
    identity,
    resourcePolicy: keyPolicy,
    context: viaS3,
  });
  test('the cross-account role of a target account decrypts through S3; other OUs and outsiders do not', async () => {
    expect(await decide(keyUse(crossAccount, TARGET_PATH))).toBe('Allowed');
    expect(await decide(keyUse(s.role(OTHER_OU_ACCOUNT, names.crossAccountRole(s.config.prefix)), OTHER_PATH))).not.toBe('Allowed');
    expect(await decide(keyUse(s.role(OUTSIDER, names.crossAccountRole(s.config.prefix)), undefined))).not.toBe('Allowed');
  });
  test('the replica keeps administration without use', async () => {
    const ask = (action: string) =>
      decide({ principal: s.role(CI, 'Administrator'), action, resource: s.keyArn, resourceAccount: CI, identity: admin, resourcePolicy: keyPolicy });
    expect(await ask('kms:Decrypt')).toBe('ImplicitlyDenied');
    expect(await ask('kms:PutKeyPolicy')).toBe('Allowed');
  });
  test('its artifact bucket takes puts only with the replica key, and only over TLS', async () => {
    const put = (context: Record<string, string>): Request => ({
      principal: crossAccount,
      orgPath: TARGET_PATH,
      action: 's3:PutObject',
      resource: s.object('artifacts'),
      resourceAccount: CI,
      identity,
      resourcePolicy: artifactPolicy,
      context,
    });
    expect(await decide(put(s.sse))).toBe('Allowed');
    expect(await decide(put({ ...s.sse, 's3:x-amz-server-side-encryption-aws-kms-key-id': `arn:aws:kms:us-east-1:${CI}:key/other` }))).toBe('ExplicitlyDenied');
    expect(await decide(put({ ...s.sse, 'aws:SecureTransport': 'false' }))).toBe('ExplicitlyDenied');
  });
});

describe('the templates bucket', () => {
  const s = setting(fixtureConfig('default'));
  const bucketPolicy = s.inCi('buckets', 'TemplatesBucketPolicy', 'bucket');
  const template = s.object('templates', 'xacct/templates/pipeline.template.json');
  const put = (principal: string, identity: JsonObject[], context: Record<string, string>, orgPath?: string): Request => ({
    principal,
    orgPath,
    action: 's3:PutObject',
    resource: template,
    resourceAccount: CI,
    identity,
    resourcePolicy: bucketPolicy,
    context,
  });
  const deployer = s.role(CI, 'deployer');
  test('the deployer in the CI account puts templates encrypted with the artifact key, and only so', async () => {
    expect(await decide(put(deployer, admin, s.sse))).toBe('Allowed');
    expect(await decide(put(deployer, admin, { 's3:x-amz-server-side-encryption': 'AES256' }))).toBe('ExplicitlyDenied');
    expect(await decide(put(deployer, admin, {}))).toBe('ExplicitlyDenied');
  });
  test('target roles may not write templates; outsiders and plain HTTP get nothing', async () => {
    const crossAccount = s.role(TARGET, names.crossAccountRole(s.config.prefix));
    expect(await decide(put(crossAccount, admin, s.sse, TARGET_PATH))).not.toBe('Allowed');
    const get = (principal: string, orgPath: string | undefined, context: Record<string, string> = {}) =>
      decide({ principal, orgPath, action: 's3:GetObject', resource: template, resourceAccount: CI, identity: admin, resourcePolicy: bucketPolicy, context });
    expect(await get(s.role(OUTSIDER, names.crossAccountRole(s.config.prefix)), undefined)).not.toBe('Allowed');
    expect(await get(deployer, undefined, { 'aws:SecureTransport': 'false' })).toBe('ExplicitlyDenied');
  });
});

/** A service assuming a role through its trust policy, with the source keys the service supplies. */
async function serviceAssumes(service: string, roleArn: string, trust: JsonObject, context: Record<string, string>): Promise<string> {
  const result = await runSimulation(
    {
      request: { principal: service, action: 'sts:AssumeRole', resource: { resource: roleArn, accountId: roleArn.split(':')[4] }, contextVariables: context },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: trust,
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(`simulation failed: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}

describe('the automation role (two-ous config): reads and decrypts artifacts, nothing else', () => {
  const s = setting(fixtureConfig('two-ous'));
  const t = templateOf(s.templates, 'automation-role');
  const values = deployedValues(t, TARGET, s.common);
  const { identity } = roleAccess(t, 'AutomationRole', values);
  const [trust] = policyOf(t, 'AutomationRole', 'trust', values);
  const automation = s.role(TARGET, names.automationRole(s.config.prefix));
  const artifactPolicy = s.inCi('buckets', 'ArtifactBucketPolicy', 'bucket');
  const ask = (action: string, resource: string, resourceAccount = CI, resourcePolicy?: JsonObject, context: Record<string, string> = {}) =>
    decide({ principal: automation, orgPath: TARGET_PATH, action, resource, resourceAccount, identity, resourcePolicy, context });
  test('CodeBuild of this account (aws:SourceAccount) and Lambda may assume it; CodeBuild for another account may not', async () => {
    expect(await serviceAssumes('codebuild.amazonaws.com', automation, trust, { 'aws:SourceAccount': TARGET })).toBe('Allowed');
    expect(await serviceAssumes('codebuild.amazonaws.com', automation, trust, { 'aws:SourceAccount': OUTSIDER })).not.toBe('Allowed');
    expect(await serviceAssumes('lambda.amazonaws.com', automation, trust, {})).toBe('Allowed');
  });
  test('reads artifacts and decrypts them through S3', async () => {
    expect(await ask('s3:GetObject', s.object('artifacts'), CI, artifactPolicy)).toBe('Allowed');
    expect(await ask('kms:Decrypt', s.keyArn, CI, s.inCi('kms-key', 'ArtifactKey', 'key'), { 'kms:ViaService': `s3.${s.region}.amazonaws.com` })).toBe(
      'Allowed',
    );
  });
  test('writes no artifact, decrypts nothing directly, reads nothing else', async () => {
    expect(await ask('s3:PutObject', s.object('artifacts'), CI, artifactPolicy, s.sse)).not.toBe('Allowed');
    expect(await ask('kms:Decrypt', s.keyArn, CI, s.inCi('kms-key', 'ArtifactKey', 'key'))).not.toBe('Allowed');
    expect(await ask('ssm:GetParameter', `arn:aws:ssm:${s.region}:${TARGET}:parameter/orders/db-password`, TARGET)).not.toBe('Allowed');
  });
});

describe('a CodeDeploy instance role (codedeploy config): reads and decrypts artifacts, nothing else of the CI account', () => {
  const s = setting(fixtureConfig('codedeploy'));
  const t = templateOf(s.templates, 'codedeploy-instance-policy');
  const identity = policyOf(t, 'CodeDeployInstancePolicy', 'managed', deployedValues(t, TARGET, s.common));
  const instanceRole = s.role(TARGET, 'site-instance');
  const artifactPolicy = s.inCi('buckets', 'ArtifactBucketPolicy', 'bucket');
  const keyPolicy = s.inCi('kms-key', 'ArtifactKey', 'key');
  const ask = (action: string, resource: string, resourcePolicy?: JsonObject, context: Record<string, string> = {}) =>
    decide({ principal: instanceRole, orgPath: TARGET_PATH, action, resource, resourceAccount: CI, identity, resourcePolicy, context });
  test('the instance role named in the stage reads artifacts and decrypts them through S3', async () => {
    expect(await ask('s3:GetObject', s.object('artifacts'), artifactPolicy)).toBe('Allowed');
    expect(await ask('kms:Decrypt', s.keyArn, keyPolicy, { 'kms:ViaService': `s3.${s.region}.amazonaws.com` })).toBe('Allowed');
  });
  test('it writes no artifact, reads no template, decrypts nothing directly and reads no parameter of the CI account', async () => {
    expect(await ask('s3:PutObject', s.object('artifacts'), artifactPolicy, s.sse)).not.toBe('Allowed');
    expect(
      await ask('s3:GetObject', s.object('templates', 'xacct/templates/pipeline.template.json'), s.inCi('buckets', 'TemplatesBucketPolicy', 'bucket')),
    ).not.toBe('Allowed');
    expect(await ask('kms:Decrypt', s.keyArn, keyPolicy)).not.toBe('Allowed');
    expect(await ask('ssm:GetParameter', `arn:aws:ssm:${s.region}:${CI}:parameter/${s.config.prefix}/artifact-key-arn`)).not.toBe('Allowed');
  });
  test('another role of the same account is not admitted by the artifact bucket', async () => {
    const other = await decide({
      principal: s.role(TARGET, 'some-other-role'),
      orgPath: TARGET_PATH,
      action: 's3:GetObject',
      resource: s.object('artifacts'),
      resourceAccount: CI,
      identity,
      resourcePolicy: artifactPolicy,
    });
    expect(other).not.toBe('Allowed');
  });
});

describe("xacct's CodeDeploy instance role (codedeploy-instance-role config): reads and decrypts artifacts, nothing else of the CI account", () => {
  const s = setting(fixtureConfig('codedeploy-instance-role'));
  const t = templateOf(s.templates, 'codedeploy-instance-role');
  const values = deployedValues(t, TARGET, s.common);
  // Its inline policy and AmazonSSMManagedInstanceCore as AWS publishes it.
  const { identity } = roleAccess(t, 'CodeDeployInstanceRole', values);
  const [trust] = policyOf(t, 'CodeDeployInstanceRole', 'trust', values);
  const instanceRole = s.role(TARGET, names.codedeployInstanceRole(s.config.prefix));
  const artifactPolicy = s.inCi('buckets', 'ArtifactBucketPolicy', 'bucket');
  const keyPolicy = s.inCi('kms-key', 'ArtifactKey', 'key');
  const ask = (
    action: string,
    resource: string,
    resourcePolicy?: JsonObject,
    context: Record<string, string> = {},
    principal = instanceRole,
    orgPath = TARGET_PATH,
  ) => decide({ principal, orgPath, action, resource, resourceAccount: resource.split(':')[4] || CI, identity, resourcePolicy, context });
  test('the stages name no instance role: the default is the role this template creates, with AmazonSSMManagedInstanceCore', () => {
    expect(s.config.pipelines[0].stages.every((st) => st.codedeploy && st.codedeploy.instanceRoleName === undefined)).toBe(true);
    expect(identity).toContainEqual(awsManagedPolicy('arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore'));
  });
  test('EC2 may assume it (through the instance profile); CodeBuild and Lambda may not', async () => {
    expect(await serviceAssumes('ec2.amazonaws.com', instanceRole, trust, {})).toBe('Allowed');
    expect(await serviceAssumes('codebuild.amazonaws.com', instanceRole, trust, { 'aws:SourceAccount': TARGET })).not.toBe('Allowed');
    expect(await serviceAssumes('lambda.amazonaws.com', instanceRole, trust, {})).not.toBe('Allowed');
  });
  test('reads artifacts and decrypts them through S3', async () => {
    expect(await ask('s3:GetObject', s.object('artifacts'), artifactPolicy)).toBe('Allowed');
    expect(await ask('s3:GetObjectVersion', s.object('artifacts'), artifactPolicy)).toBe('Allowed');
    expect(await ask('kms:Decrypt', s.keyArn, keyPolicy, { 'kms:ViaService': `s3.${s.region}.amazonaws.com` })).toBe('Allowed');
  });
  test('writes no artifact, reads no template, decrypts nothing directly, reads no parameter of the CI account', async () => {
    expect(await ask('s3:PutObject', s.object('artifacts'), artifactPolicy, s.sse)).not.toBe('Allowed');
    expect(
      await ask('s3:GetObject', s.object('templates', 'xacct/templates/pipeline.template.json'), s.inCi('buckets', 'TemplatesBucketPolicy', 'bucket')),
    ).not.toBe('Allowed');
    expect(await ask('kms:Decrypt', s.keyArn, keyPolicy)).not.toBe('Allowed');
    // AmazonSSMManagedInstanceCore allows ssm:GetParameter on *: in its own account, never in the CI account.
    expect(await ask('ssm:GetParameter', `arn:aws:ssm:${s.region}:${CI}:parameter/${s.config.prefix}/artifact-key-arn`)).not.toBe('Allowed');
    expect(await ask('ssm:GetParameter', `arn:aws:ssm:${s.region}:${TARGET}:parameter/app/setting`)).toBe('Allowed');
  });
  test('the same role name in an account outside the target OUs is not admitted by the bucket or the key', async () => {
    const elsewhere = s.role(OTHER_OU_ACCOUNT, names.codedeployInstanceRole(s.config.prefix));
    expect(await ask('s3:GetObject', s.object('artifacts'), artifactPolicy, {}, elsewhere, OTHER_PATH)).not.toBe('Allowed');
    expect(await ask('kms:Decrypt', s.keyArn, keyPolicy, { 'kms:ViaService': `s3.${s.region}.amazonaws.com` }, elsewhere, OTHER_PATH)).not.toBe('Allowed');
  });
});
