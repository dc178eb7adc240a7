/**
 * Access-path proofs for pipelines sharing a source account (test/fixtures/configs/shared-source.yml:
 * pipelines api, api-hotfix and web read repositories platform and web in one account). Every
 * pipeline runs as the one `<prefix>-pipeline` role; the account's one access role trusts it and
 * reads exactly the repositories those pipelines read.
 */
import { buildDist } from '../../templates-src/build';
import { names } from '../../templates-src/names';
import type { JsonObject, TemplateUnderCheck } from '../../templates-src/checks/types';
import { fixtureConfig } from '../support/build';
import {
  CI,
  decide,
  deployedValues,
  organizationValues,
  ORG,
  OUTSIDER,
  policyOf,
  Request,
  roleAccess,
  roleId,
  SOURCE,
  templateOf,
  Values,
} from './access-support';

const config = fixtureConfig('shared-source');
const { templates } = buildDist(config);
const p = config.prefix;
const region = config.homeRegion;
const SOURCE_PATH = `${ORG}/r-ab12/ou-ab12-55555555/`;

function values(t: TemplateUnderCheck, account: string): Values {
  return deployedValues(t, account, { ...organizationValues(p, region), SourceAccountIds: [SOURCE] });
}

const source = templateOf(templates, `codecommit-source-${SOURCE}`);
const pipeline = templateOf(templates, 'pipeline');
const accessRole = `arn:aws:iam::${SOURCE}:role/${names.sourceAccessRole(p)}`;
const accessId = roleId(source, names.sourceAccessRole('${Prefix}'));
const [trust] = policyOf(source, accessId, 'trust', values(source, SOURCE));
const access = roleAccess(source, accessId, values(source, SOURCE));
const pipelineIdentity = policyOf(pipeline, roleId(pipeline, names.pipelineRole('${Prefix}')), 'inline', values(pipeline, CI));

const assume = (principal: string, identity: JsonObject[]): Request => ({
  principal,
  orgPath: `${ORG}/r-ab12/ou-ab12-44444444/`,
  action: 'sts:AssumeRole',
  resource: accessRole,
  resourceAccount: SOURCE,
  identity,
  resourcePolicy: trust,
});
const repo = (name: string, account = SOURCE) => `arn:aws:codecommit:${region}:${account}:${name}`;
const read = (action: string, resource: string): Request => ({
  principal: accessRole,
  orgPath: SOURCE_PATH,
  action,
  resource,
  resourceAccount: resource.split(':')[4],
  identity: access.identity,
});

test('the fixture has three pipelines in one source account, on two repositories and three branches', () => {
  const sources = config.pipelines.map((pl) =>
    'codecommit' in pl.source ? `${pl.source.codecommit.account} ${pl.source.codecommit.repository}/${pl.source.codecommit.branch}` : '',
  );
  expect(sources).toEqual([`${SOURCE} platform/main`, `${SOURCE} platform/hotfix`, `${SOURCE} web/main`]);
});

describe('every pipeline may assume the one access role of the source account', () => {
  test('the pipeline role every pipeline runs as may assume it', async () => {
    expect(config.pipelines.length).toBe(3);
    expect(await decide(assume(`arn:aws:iam::${CI}:role/${names.pipelineRole(p)}`, pipelineIdentity))).toBe('Allowed');
  });
  test('another role of the CI account may not, nor the pipeline role name in another account', async () => {
    expect(await decide(assume(`arn:aws:iam::${CI}:role/${names.buildRole(p)}`, pipelineIdentity))).not.toBe('Allowed');
    expect(await decide(assume(`arn:aws:iam::${OUTSIDER}:role/${names.pipelineRole(p)}`, pipelineIdentity))).not.toBe('Allowed');
  });
});

describe('the access role reads exactly the listed repositories', () => {
  test.each([['platform'], ['web']])('reads %s (the source action: branch, commit, archive upload)', async (name) => {
    for (const action of ['codecommit:GetBranch', 'codecommit:GetCommit', 'codecommit:UploadArchive', 'codecommit:GetUploadArchiveStatus']) {
      expect(await decide(read(action, repo(name)))).toBe('Allowed');
    }
  });
  test('reads no other repository of the account, nor a repository of that name elsewhere', async () => {
    expect(await decide(read('codecommit:GetBranch', repo('payroll')))).toBe('ImplicitlyDenied');
    expect(await decide(read('codecommit:UploadArchive', repo('platform-infra')))).toBe('ImplicitlyDenied');
    expect(await decide(read('codecommit:GetBranch', repo('platform', OUTSIDER)))).toBe('ImplicitlyDenied');
  });
  test('may not write to a repository', async () => {
    expect(await decide(read('codecommit:GitPush', repo('platform')))).toBe('ImplicitlyDenied');
    expect(await decide(read('codecommit:PutFile', repo('web')))).toBe('ImplicitlyDenied');
  });
});

describe('the access role writes the source artifacts to the CI account', () => {
  const buckets = templateOf(templates, 'buckets');
  const keyArn = `arn:aws:kms:${region}:${CI}:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b`;
  const [bucketPolicy] = policyOf(buckets, 'ArtifactBucketPolicy', 'bucket', { ...values(buckets, CI), [`import:${p}-artifact-key-arn`]: keyArn });
  const object = `arn:aws:s3:::${names.bucket(p, 'artifacts', CI, region)}/${p}-web/SourceOutp/abc.zip`;
  const put = (principal: string, sse = true): Request => ({
    principal,
    orgPath: SOURCE_PATH,
    action: 's3:PutObject',
    resource: object,
    resourceAccount: CI,
    identity: access.identity,
    resourcePolicy: bucketPolicy,
    context: sse ? { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn } : {},
  });
  test('puts an SSE-KMS artifact object into the artifact bucket', async () => {
    expect(await decide(put(accessRole))).toBe('Allowed');
  });
  test('not without SSE-KMS, and not as the same role name in an account that is no source account', async () => {
    expect(await decide(put(accessRole, false))).toBe('ExplicitlyDenied');
    expect(await decide(put(`arn:aws:iam::${OUTSIDER}:role/${names.sourceAccessRole(p)}`))).not.toBe('Allowed');
  });
});
