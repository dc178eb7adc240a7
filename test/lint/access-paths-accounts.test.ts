/**
 * Access-path proofs for smaller organizations: targets that name single accounts (the `accounts`
 * fixture config: nonprod is one account, prod an OU and one more account) and the CI account inside
 * a target OU (the default config). The key and bucket policies admit a named account by
 * aws:PrincipalAccount, so a neighbour in the same OU, with a role of the same name, stays out;
 * with the CI account inside a target OU its own target roles are admitted like any target's, and
 * the proofs below pin what that does and does not open.
 */
import { buildDist } from '../../templates-src/build';
import { Config, defaultConfig } from '../../templates-src/config';
import { names } from '../../templates-src/names';
import { fixtureConfig } from '../support/build';
import { CI, decide, deployedValues, organizationValues, ORG, policyOf, Request, roleAccess, roleId, TARGET_PATH, templateOf, Values } from './access-support';
import type { JsonObject } from '../../templates-src/checks/types';

/** The accounts the fixture names (its TargetAccountIds default), and where they sit: an OU that is no target. */
const NAMED = ['555555555555', '666666666666'];
const NAMED_PATH = `${ORG}/r-ab12/ou-ab12-55555555/`;
/** Beside a named account in the same OU, not named itself. */
const NEIGHBOUR = '777777777777';

function setting(config: Config) {
  const region = config.homeRegion;
  const p = config.prefix;
  const keyArn = `arn:aws:kms:${region}:${CI}:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b`;
  const templates = buildDist(config).templates;
  const common: Values = { ...organizationValues(p, region, keyArn), TargetAccountIds: NAMED };
  const inCi = (name: string, id: string, kind: 'key' | 'bucket') => {
    const t = templateOf(templates, name);
    return policyOf(t, id, kind, deployedValues(t, CI, common))[0];
  };
  const role = (account: string, name: (prefix: string) => string) => `arn:aws:iam::${account}:role/${name(p)}`;
  const object = `arn:aws:s3:::${names.bucket(p, 'artifacts', CI, region)}/${p}-app/BuildOutput/abc.zip`;
  const crossAccount = templateOf(templates, 'cross-account-role');
  const identity = policyOf(crossAccount, roleId(crossAccount, names.crossAccountRole('${Prefix}')), 'inline', deployedValues(crossAccount, NAMED[0], common));
  const artifact = (principal: string, orgPath: string, action = 's3:GetObject'): Request => ({
    principal,
    orgPath,
    action,
    resource: object,
    resourceAccount: CI,
    identity,
    resourcePolicy: inCi('buckets', 'ArtifactBucketPolicy', 'bucket'),
  });
  const key = (principal: string, orgPath: string): Request => ({
    principal,
    orgPath,
    action: 'kms:Decrypt',
    resource: keyArn,
    resourceAccount: CI,
    identity,
    resourcePolicy: inCi('kms-key', 'ArtifactKey', 'key'),
    context: { 'kms:ViaService': `s3.${region}.amazonaws.com` },
  });
  return { config, region, p, keyArn, templates, common, role, object, artifact, key };
}

describe('accounts named in targets (the accounts config)', () => {
  const s = setting(fixtureConfig('accounts'));

  test('the fixture names the accounts these proofs use', () => {
    expect([...new Set(Object.values(s.config.targets).flatMap((t) => t.accounts))].sort()).toEqual(NAMED);
  });

  test.each(NAMED)('the cross-account role of named account %s reads artifacts and decrypts them through S3', async (account) => {
    expect(await decide(s.artifact(s.role(account, names.crossAccountRole), NAMED_PATH))).toBe('Allowed');
    expect(await decide(s.key(s.role(account, names.crossAccountRole), NAMED_PATH))).toBe('Allowed');
  });

  test('so does the CloudFormation role there; any other role of a named account is denied', async () => {
    expect(await decide(s.artifact(s.role(NAMED[0], names.cfnExecRole), NAMED_PATH))).toBe('Allowed');
    expect(await decide(s.artifact(`arn:aws:iam::${NAMED[0]}:role/admin`, NAMED_PATH))).not.toBe('Allowed');
    expect(await decide(s.key(`arn:aws:iam::${NAMED[0]}:role/admin`, NAMED_PATH))).not.toBe('Allowed');
  });

  test('a neighbour in the same OU, with a role of the same name, is denied: the OU is not a target', async () => {
    expect(await decide(s.artifact(s.role(NEIGHBOUR, names.crossAccountRole), NAMED_PATH))).not.toBe('Allowed');
    expect(await decide(s.key(s.role(NEIGHBOUR, names.crossAccountRole), NAMED_PATH))).not.toBe('Allowed');
  });

  test('a named account ID outside the organization is denied (aws:PrincipalOrgID still applies)', async () => {
    expect(await decide({ ...s.artifact(s.role(NAMED[0], names.crossAccountRole), NAMED_PATH), orgPath: undefined })).not.toBe('Allowed');
  });

  test('the prod OU is still admitted by its path', async () => {
    expect(await decide(s.artifact(s.role('222222222222', names.crossAccountRole), TARGET_PATH))).toBe('Allowed');
  });
});

describe('a config without named accounts admits no account by ID', () => {
  const s = setting(defaultConfig());
  test('the default policies have no NamedAccounts statement and the neighbour is denied', async () => {
    const statements = (s.templates.get('kms-key') as { Resources: Record<string, { Properties?: { KeyPolicy?: { Statement: Array<{ Sid: string }> } } }> })
      .Resources.ArtifactKey.Properties!.KeyPolicy!.Statement;
    expect(statements.map((x) => x.Sid).filter((sid) => sid.endsWith('NamedAccounts'))).toEqual([]);
    expect(await decide(s.artifact(s.role(NAMED[0], names.crossAccountRole), NAMED_PATH))).not.toBe('Allowed');
  });
});

describe('the CI account inside a target OU (the default config)', () => {
  const s = setting(defaultConfig());
  // The CI account's own target roles carry the target OU's path now.
  test("the CI account's cross-account role reads artifacts and decrypts them through S3, like any target account's", async () => {
    expect(await decide(s.artifact(s.role(CI, names.crossAccountRole), TARGET_PATH))).toBe('Allowed');
    expect(await decide(s.key(s.role(CI, names.crossAccountRole), TARGET_PATH))).toBe('Allowed');
  });

  /**
   * What app stacks of that target can do in the CI account with `<prefix>-cfn-exec` (AdministratorAccess
   * under the boundary): the boundary still keeps the CI account's own roles closed, but not the
   * artifact bucket's policy or the key policy. Proven here so README's warning cannot go stale.
   */
  describe('app stacks of that target run beside the pipeline', () => {
    const t = templateOf(s.templates, 'cloudformation-role');
    const { identity, boundary } = roleAccess(t, 'CloudFormationRole', deployedValues(t, CI, s.common));
    const cfnExec = s.role(CI, names.cfnExecRole);
    const asCfnExec = (action: string, resource: string, resourcePolicy?: JsonObject): Request => ({
      principal: cfnExec,
      orgPath: TARGET_PATH,
      action,
      resource,
      resourceAccount: CI,
      identity,
      boundary,
      resourcePolicy,
    });

    test("the boundary denies changing the pipeline's role", async () => {
      expect(await decide(asCfnExec('iam:PutRolePolicy', s.role(CI, names.pipelineRole)))).toBe('ExplicitlyDenied');
      expect(await decide(asCfnExec('iam:UpdateAssumeRolePolicy', s.role(CI, names.pipelineRole)))).toBe('ExplicitlyDenied');
    });
    test("it may replace the artifact bucket's policy and the key policy (README: The CI account inside a target)", async () => {
      const bucket = `arn:aws:s3:::${names.bucket(s.p, 'artifacts', CI, s.region)}`;
      const bucketPolicy = policyOf(
        templateOf(s.templates, 'buckets'),
        'ArtifactBucketPolicy',
        'bucket',
        deployedValues(templateOf(s.templates, 'buckets'), CI, s.common),
      )[0];
      expect(await decide(asCfnExec('s3:PutBucketPolicy', bucket, bucketPolicy))).toBe('Allowed');
      const keyPolicy = policyOf(templateOf(s.templates, 'kms-key'), 'ArtifactKey', 'key', deployedValues(templateOf(s.templates, 'kms-key'), CI, s.common))[0];
      expect(await decide(asCfnExec('kms:PutKeyPolicy', s.keyArn, keyPolicy))).toBe('Allowed');
    });
  });
});
