import { asList, CONFIGS, resourcesOfType, statementsIn, template } from '../support/build';
import type { Json } from '../support/json';

describe.each(CONFIGS)('buckets (%s config)', (config) => {
  const t = template(config, 'buckets');
  const buckets = resourcesOfType(t, 'AWS::S3::Bucket');
  const policies = Object.fromEntries(
    resourcesOfType(t, 'AWS::S3::BucketPolicy').map(([, r]) => [(r.Properties!.Bucket as { Ref: string }).Ref, r.Properties!.PolicyDocument]),
  );

  test('artifact, templates and access-log buckets exist with names carrying account and region', () => {
    expect(buckets.map(([id]) => id).sort()).toEqual(['AccessLogBucket', 'ArtifactBucket', 'TemplatesBucket']);
    expect(t.Resources.ArtifactBucket.Properties!.BucketName).toEqual({ 'Fn::Sub': '${Prefix}-artifacts-${AWS::AccountId}-${AWS::Region}' });
  });

  test.each(['ArtifactBucket', 'TemplatesBucket'])('%s uses SSE-KMS with the key and S3 Bucket Keys', (id) => {
    const rule = (t.Resources[id].Properties!.BucketEncryption as Json).ServerSideEncryptionConfiguration[0];
    expect(rule.ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
    expect(rule.ServerSideEncryptionByDefault.KMSMasterKeyID).toEqual({ 'Fn::ImportValue': { 'Fn::Sub': '${Prefix}-artifact-key-arn' } });
    expect(rule.BucketKeyEnabled).toBe(true);
  });

  test('every bucket: versioning, public access block, owner enforced, lifecycle, retained', () => {
    for (const [id, b] of buckets) {
      const p = b.Properties as Json;
      expect([id, p.VersioningConfiguration.Status]).toEqual([id, 'Enabled']);
      expect(p.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      expect(p.OwnershipControls.Rules[0].ObjectOwnership).toBe('BucketOwnerEnforced');
      const rule = p.LifecycleConfiguration.Rules[0];
      expect(rule.NoncurrentVersionExpiration.NoncurrentDays).toBeGreaterThan(0);
      expect(rule.AbortIncompleteMultipartUpload.DaysAfterInitiation).toBeGreaterThan(0);
      expect(b.DeletionPolicy).toBe('Retain');
      expect(b.UpdateReplacePolicy).toBe('Retain');
    }
  });

  test('artifact and templates buckets log to the access-log bucket', () => {
    for (const id of ['ArtifactBucket', 'TemplatesBucket']) {
      expect((t.Resources[id].Properties as Json).LoggingConfiguration.DestinationBucketName).toEqual({ Ref: 'AccessLogBucket' });
    }
  });

  test('artifact expiry follows the config', () => {
    const days = (t.Resources.ArtifactBucket.Properties as Json).LifecycleConfiguration.Rules[0].ExpirationInDays;
    expect(days).toBe(config === 'default' ? 90 : 30);
  });

  test.each(['AccessLogBucket', 'ArtifactBucket', 'TemplatesBucket'])('%s policy denies non-TLS and TLS below 1.2', (id) => {
    const s = statementsIn(policies[id]);
    const insecure = s.find((x) => x.Sid === 'DenyInsecureTransport')!;
    expect(insecure.Effect).toBe('Deny');
    expect(insecure.Condition.Bool['aws:SecureTransport']).toBe('false');
    expect(asList(insecure.Resource)).toHaveLength(2);
    expect(s.find((x) => x.Sid === 'DenyTlsBelow12')!.Condition.NumericLessThan['s3:TlsVersion']).toBe('1.2');
  });

  test.each(['ArtifactBucket', 'TemplatesBucket'])('%s policy denies puts without aws:kms or with another key', (id) => {
    const s = statementsIn(policies[id]);
    expect(s.find((x) => x.Sid === 'DenyPutsWithoutKmsEncryption')!.Condition.StringNotEquals['s3:x-amz-server-side-encryption']).toBe('aws:kms');
    expect(s.find((x) => x.Sid === 'DenyPutsWithoutEncryptionHeader')!.Condition.Null['s3:x-amz-server-side-encryption']).toBe('true');
    expect(
      s.find((x) => x.Sid === 'DenyPutsWithAnotherKey')!.Condition.StringNotEqualsIfExists['s3:x-amz-server-side-encryption-aws-kms-key-id'],
    ).toBeDefined();
  });

  test('target roles are admitted by org, OU paths and fixed names; templates bucket is read-only to them', () => {
    const rw = statementsIn(policies.ArtifactBucket).find((x) => x.Sid === 'TargetRolesReadWrite')!;
    expect(rw.Condition.StringEquals['aws:PrincipalOrgID']).toEqual({ Ref: 'OrganizationId' });
    expect(rw.Condition['ForAnyValue:StringLike']['aws:PrincipalOrgPaths']).toEqual({ Ref: 'TargetOrgPaths' });
    expect(asList(rw.Action)).toContain('s3:PutObject');
    const ro = statementsIn(policies.TemplatesBucket).find((x) => x.Sid === 'TargetRolesRead')!;
    expect(asList(ro.Action)).not.toContain('s3:PutObject');
  });

  test('log delivery is bounded by source account and source buckets', () => {
    const d = statementsIn(policies.AccessLogBucket).find((x) => x.Sid === 'S3ServerAccessLogDelivery')!;
    expect(d.Principal).toEqual({ Service: 'logging.s3.amazonaws.com' });
    expect(d.Condition.StringEquals['aws:SourceAccount']).toEqual({ 'Fn::Sub': '${AWS::AccountId}' });
    expect(d.Condition.ArnLike['aws:SourceArn']).toHaveLength(2);
  });

  test('bucket names are published as exports and SSM parameters', () => {
    for (const kind of ['artifacts', 'templates', 'logs']) {
      const outputs = Object.values(t.Outputs!).map((o) => JSON.stringify(o.Export?.Name));
      expect(outputs).toContain(JSON.stringify({ 'Fn::Sub': `\${Prefix}-${kind}-bucket` }));
      const params = resourcesOfType(t, 'AWS::SSM::Parameter').map(([, r]) => JSON.stringify(r.Properties!.Name));
      expect(params).toContain(JSON.stringify({ 'Fn::Sub': `/\${Prefix}/${kind}-bucket` }));
    }
  });
});
