/**
 * Access-path proofs: the generated identity, trust, key and bucket policies evaluated together by
 * iam-simulate for concrete requests, on the default config and a second one with a separate
 * source account. Every template a proof reads must exist: a missing one fails the proof.
 */
import { join } from 'node:path';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { buildDist } from '../../templates-src/build';
import { Config, defaultConfig, parseConfig } from '../../templates-src/config';
import { names } from '../../templates-src/names';
import { isObject, JsonObject, TemplateUnderCheck } from '../../templates-src/checks/types';
import {
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
  roleId,
  SOURCE,
  templateOf,
  TARGET,
  TARGET_PATH,
  Values,
} from './access-support';
import { LINT_FIXTURES } from './support';

function secondConfig(): Config {
  const file = join(LINT_FIXTURES, 'cross-account-source.config.yml');
  return parseConfig(parse(readFileSync(file, 'utf8')), file);
}

const CONFIGS: Array<[string, () => Config]> = [
  ['default', defaultConfig],
  ['cross-account-source', secondConfig],
];

describe.each(CONFIGS)('access paths for the %s config', (_, load) => {
  const config = load();
  const { templates } = buildDist(config);
  const get = (name: string): TemplateUnderCheck => templateOf(templates, name);
  const region = config.homeRegion;
  const p = config.prefix;
  const keyArn = `arn:aws:kms:${region}:${CI}:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b`;
  const common = organizationValues(p, region, keyArn);
  const valuesIn = (t: TemplateUnderCheck, account: string): Values => deployedValues(t, account, common);
  const inTarget = (name: string, role: string, kind: 'inline' | 'trust') => {
    const t = get(name);
    return policyOf(t, role, kind, valuesIn(t, TARGET));
  };
  const inCi = (name: string, resource: string, kind: 'key' | 'bucket' | 'inline' | 'resource') => {
    const t = get(name);
    return policyOf(t, resource, kind, valuesIn(t, CI));
  };

  const arn = (account: string, role: (prefix: string) => string) => `arn:aws:iam::${account}:role/${role(p)}`;
  const pipelineRole = arn(CI, names.pipelineRole);
  const crossAccountRole = arn(TARGET, names.crossAccountRole);
  const object = `arn:aws:s3:::${names.bucket(p, 'artifacts', CI, region)}/${p}-app/BuildOutput/abc.zip`;
  const crossAccountIdentity = inTarget('cross-account-role', 'CrossAccountRole', 'inline');
  const artifactBucketPolicy = inCi('buckets', 'ArtifactBucketPolicy', 'bucket')[0];
  const keyPolicy = inCi('kms-key', 'ArtifactKey', 'key')[0];
  const sse = { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn };

  /** The pipeline role's own policy, from the pipeline template. */
  const pipelineIdentity = (): JsonObject[] => {
    const t = get('pipeline');
    return policyOf(t, roleId(t, names.pipelineRole('${Prefix}')), 'inline', valuesIn(t, CI));
  };
  const assume = (principal: string, orgPath: string | undefined, target: string, trust: JsonObject): Request => ({
    principal,
    orgPath,
    action: 'sts:AssumeRole',
    resource: target,
    resourceAccount: target.split(':')[4],
    identity: pipelineIdentity(),
    resourcePolicy: trust,
  });
  const artifactRequest = (action: string, principal = crossAccountRole, orgPath = TARGET_PATH, context: Record<string, string> = {}): Request => ({
    principal,
    orgPath,
    action,
    resource: object,
    resourceAccount: CI,
    identity: crossAccountIdentity,
    resourcePolicy: artifactBucketPolicy,
    context,
  });
  const keyRequest = (action: string, principal = crossAccountRole, orgPath = TARGET_PATH, identity = crossAccountIdentity): Request => ({
    principal,
    orgPath,
    action,
    resource: keyArn,
    resourceAccount: CI,
    identity,
    resourcePolicy: keyPolicy,
    context: { 'kms:ViaService': `s3.${region}.amazonaws.com` },
  });

  describe('the cross-account role trusts only the pipeline role', () => {
    const trust = inTarget('cross-account-role', 'CrossAccountRole', 'trust')[0];
    test('the pipeline role may assume it in an account under a target OU', async () => {
      expect(await decide(assume(pipelineRole, TARGET_PATH, crossAccountRole, trust))).toBe('Allowed');
    });
    test('another role of the CI account may not', async () => {
      expect(await decide(assume(`arn:aws:iam::${CI}:role/${p}-build`, TARGET_PATH, crossAccountRole, trust))).not.toBe('Allowed');
      expect(await decide(assume(`arn:aws:iam::${CI}:role/admin`, TARGET_PATH, crossAccountRole, trust))).not.toBe('Allowed');
    });
    test('a principal outside the organization may not, even with the same role name', async () => {
      expect(await decide(assume(arn(OUTSIDER, names.pipelineRole), undefined, crossAccountRole, trust))).not.toBe('Allowed');
    });
  });

  describe('the cross-account role moves artifacts and passes only the CloudFormation role', () => {
    test('gets and puts artifact objects (SSE-KMS with the artifact key)', async () => {
      expect(await decide(artifactRequest('s3:GetObject'))).toBe('Allowed');
      expect(await decide(artifactRequest('s3:PutObject', crossAccountRole, TARGET_PATH, sse))).toBe('Allowed');
    });
    test('uses the artifact key through S3', async () => {
      expect(await decide(keyRequest('kms:Decrypt'))).toBe('Allowed');
      expect(await decide(keyRequest('kms:GenerateDataKey'))).toBe('Allowed');
    });
    const pass = (role: string, service: string): Request => ({
      principal: crossAccountRole,
      orgPath: TARGET_PATH,
      action: 'iam:PassRole',
      resource: role,
      resourceAccount: TARGET,
      identity: crossAccountIdentity,
      context: { 'iam:PassedToService': service },
    });
    test('passes the CloudFormation role to cloudformation.amazonaws.com only', async () => {
      expect(await decide(pass(arn(TARGET, names.cfnExecRole), 'cloudformation.amazonaws.com'))).toBe('Allowed');
      expect(await decide(pass(arn(TARGET, names.cfnExecRole), 'lambda.amazonaws.com'))).not.toBe('Allowed');
    });
    test('passing any other role is denied', async () => {
      expect(await decide(pass(arn(TARGET, names.readOnlyRole), 'cloudformation.amazonaws.com'))).not.toBe('Allowed');
      expect(await decide(pass(`arn:aws:iam::${TARGET}:role/admin`, 'cloudformation.amazonaws.com'))).not.toBe('Allowed');
    });
  });

  describe('the read-only role describes and reads no data', () => {
    const readOnly = arn(TARGET, names.readOnlyRole);
    const t = get('read-only-role');
    const { identity } = roleAccess(t, 'ReadOnlyRole', valuesIn(t, TARGET));
    test('may describe stacks', async () => {
      const stack = `arn:aws:cloudformation:${region}:${TARGET}:stack/app/0a1b2c3d-0000-1111-2222-333344445555`;
      expect(
        await decide({
          principal: readOnly,
          orgPath: TARGET_PATH,
          action: 'cloudformation:DescribeStacks',
          resource: stack,
          resourceAccount: TARGET,
          identity,
        }),
      ).toBe('Allowed');
    });
    test('is denied kms:Decrypt and artifact s3:GetObject', async () => {
      expect(await decide(keyRequest('kms:Decrypt', readOnly, TARGET_PATH, identity))).toBe('ExplicitlyDenied');
      expect(await decide({ ...artifactRequest('s3:GetObject', readOnly), identity })).toBe('ExplicitlyDenied');
    });
  });

  describe('resource policies admit only target OU paths and encrypted, TLS requests', () => {
    const elsewhere = arn(OTHER_OU_ACCOUNT, names.crossAccountRole);
    test('a principal in an account outside the target OU paths is denied artifact reads and key use', async () => {
      expect(await decide(artifactRequest('s3:GetObject', elsewhere, OTHER_PATH))).not.toBe('Allowed');
      expect(await decide(keyRequest('kms:Decrypt', elsewhere, OTHER_PATH))).not.toBe('Allowed');
    });
    test('a principal outside the organization is denied artifact reads and key use', async () => {
      const outsider = arn(OUTSIDER, names.crossAccountRole);
      expect(await decide({ ...artifactRequest('s3:GetObject', outsider), orgPath: undefined })).not.toBe('Allowed');
      expect(await decide({ ...keyRequest('kms:Decrypt', outsider), orgPath: undefined })).not.toBe('Allowed');
    });
    test('plain-HTTP requests are denied', async () => {
      expect(await decide(artifactRequest('s3:GetObject', crossAccountRole, TARGET_PATH, { 'aws:SecureTransport': 'false' }))).toBe('ExplicitlyDenied');
    });
    test('puts without aws:kms encryption are denied', async () => {
      expect(await decide(artifactRequest('s3:PutObject', crossAccountRole, TARGET_PATH, { 's3:x-amz-server-side-encryption': 'AES256' }))).toBe(
        'ExplicitlyDenied',
      );
      expect(await decide(artifactRequest('s3:PutObject'))).toBe('ExplicitlyDenied');
      expect(
        await decide(
          artifactRequest('s3:PutObject', crossAccountRole, TARGET_PATH, {
            ...sse,
            's3:x-amz-server-side-encryption-aws-kms-key-id': `arn:aws:kms:${region}:${OUTSIDER}:key/other`,
          }),
        ),
      ).toBe('ExplicitlyDenied');
    });
  });

  // The source pattern applies when a pipeline reads a repository in another account.
  const sourceEnabled = config.pipelines.some((pl) => 'codecommit' in pl.source && pl.source.codecommit.account);
  // Declared only where it applies, so no config reports skipped tests; the test after this block
  // checks that the second config does exercise it.
  if (sourceEnabled)
    describe('source pattern (a repository in a separate account)', () => {
      const source = (): TemplateUnderCheck => get(`codecommit-source-${SOURCE}`);
      const inSource = (role: string, kind: 'inline' | 'trust') => policyOf(source(), role, kind, valuesIn(source(), SOURCE));
      const sourceAccess = arn(SOURCE, names.sourceAccessRole);
      test('the pipeline role may assume the source access role; an outsider may not', async () => {
        const trust = inSource(roleId(source(), names.sourceAccessRole('${Prefix}')), 'trust')[0];
        expect(await decide(assume(pipelineRole, TARGET_PATH, sourceAccess, trust))).toBe('Allowed');
        expect(await decide(assume(arn(OUTSIDER, names.pipelineRole), undefined, sourceAccess, trust))).not.toBe('Allowed');
      });
      test("the source account's event role may put events only on the CI account's bus", async () => {
        const eventsRole = arn(SOURCE, names.sourceEventsRole);
        const identity = inSource(roleId(source(), names.sourceEventsRole('${Prefix}')), 'inline');
        const busPolicies = policyDocumentsOfType(get('pipeline'), 'AWS::Events::EventBusPolicy').flatMap((id) => inCi('pipeline', id, 'resource'));
        const bus = (account: string) => `arn:aws:events:${region}:${account}:event-bus/default`;
        const put = (account: string, resourcePolicy?: JsonObject): Request => ({
          principal: eventsRole,
          orgPath: TARGET_PATH,
          action: 'events:PutEvents',
          resource: bus(account),
          resourceAccount: account,
          identity,
          resourcePolicy,
        });
        expect(busPolicies.length).toBeGreaterThan(0);
        expect(await decide(put(CI, busPolicies[0]))).toBe('Allowed');
        expect(await decide(put(OUTSIDER, busPolicies[0]))).not.toBe('Allowed');
        expect(await decide(put(OTHER_OU_ACCOUNT))).not.toBe('Allowed');
      });
    });
});

function policyDocumentsOfType(t: TemplateUnderCheck, type: string): string[] {
  const resources = isObject(t.template.Resources) ? t.template.Resources : {};
  return Object.entries(resources)
    .filter(([, r]) => isObject(r) && r.Type === type)
    .map(([id]) => id);
}

test('the second config exercises the source pattern', () => {
  expect(secondConfig().pipelines.some((pl) => 'codecommit' in pl.source && pl.source.codecommit.account === SOURCE)).toBe(true);
  expect(buildDist(secondConfig()).templates.has(`codecommit-source-${SOURCE}`)).toBe(true);
});

test('a proof that reads a template the build did not produce fails instead of passing', () => {
  const { templates } = buildDist(defaultConfig());
  expect(templates.has('automation-role')).toBe(false);
  expect(() => templateOf(templates, 'automation-role')).toThrow(/automation-role template is missing/);
});
