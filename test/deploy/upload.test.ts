import { mockClient } from 'aws-sdk-client-mock';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  UpdateTerminationProtectionCommand,
} from '@aws-sdk/client-cloudformation';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { deployStack } from '../../deploy/stack/lifecycle';
import type { StackSpec } from '../../deploy/stack/spec';
import { templateUploader, templateUrl } from '../../deploy/upload';
import { FakeClock } from '../support/clock';

const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/mrk-0123456789abcdef0123456789abcdef';

function cfnForNewStack() {
  const cfn = mockClient(CloudFormationClient);
  let created = false;
  cfn.on(DescribeStacksCommand).callsFake(() => {
    if (!created) throw Object.assign(new Error('Stack with id xacct-pipeline does not exist'), { name: 'ValidationError' });
    return {
      Stacks: [{ StackName: 'xacct-pipeline', StackId: 'id-1', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), EnableTerminationProtection: false }],
    };
  });
  cfn.on(CreateChangeSetCommand).resolves({ Id: 'cs-1', StackId: 'id-1' });
  cfn.on(DescribeChangeSetCommand).resolves({ Status: 'CREATE_COMPLETE', StackId: 'id-1' });
  cfn.on(ExecuteChangeSetCommand).callsFake(() => {
    created = true;
    return {};
  });
  cfn.on(UpdateTerminationProtectionCommand).resolves({});
  return cfn;
}

describe('templates over the inline limit go through the templates bucket', () => {
  const spec: StackSpec = {
    name: 'xacct-pipeline',
    region: 'eu-west-1',
    templateBody: JSON.stringify({ Resources: { Big: { Type: 'AWS::SNS::Topic', Metadata: { pad: 'x'.repeat(60_000) } } } }),
    parameters: {},
    capabilities: ['CAPABILITY_NAMED_IAM'],
    tags: {},
    upload: { bucket: 'xacct-templates-111111111111-eu-west-1', key: 'xacct/templates/pipeline/0123456789abcdef.json' },
  };

  test('the body is put with SSE-KMS and the artifact key, and the change set names its URL', async () => {
    const cfn = cfnForNewStack();
    const s3 = mockClient(S3Client);
    s3.on(PutObjectCommand).resolves({});
    const upload = templateUploader(
      () => new S3Client({ region: 'eu-west-1' }),
      () => KEY,
    );
    await deployStack(new CloudFormationClient({ region: 'eu-west-1' }), spec, { clock: new FakeClock(), confirm: async () => false, uploadTemplate: upload });

    const put = s3.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(put).toMatchObject({ Bucket: spec.upload!.bucket, Key: spec.upload!.key, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KEY });
    const cs = cfn.commandCalls(CreateChangeSetCommand)[0].args[0].input;
    expect(cs.TemplateURL).toBe('https://xacct-templates-111111111111-eu-west-1.s3.eu-west-1.amazonaws.com/xacct/templates/pipeline/0123456789abcdef.json');
    expect(cs.TemplateBody).toBeUndefined();
    cfn.restore();
    s3.restore();
  });

  test('a spec that fits inline is sent as TemplateBody and nothing is uploaded', async () => {
    const cfn = cfnForNewStack();
    const s3 = mockClient(S3Client);
    const small = { ...spec, templateBody: '{"Resources":{}}', upload: undefined };
    await deployStack(new CloudFormationClient({ region: 'eu-west-1' }), small, { clock: new FakeClock(), confirm: async () => false });
    expect(cfn.commandCalls(CreateChangeSetCommand)[0].args[0].input.TemplateBody).toBe('{"Resources":{}}');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    cfn.restore();
    s3.restore();
  });

  test('an upload refused by S3 fails the deploy naming the bucket and keeping the AWS message', async () => {
    const s3 = mockClient(S3Client);
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const upload = templateUploader(
      () => new S3Client({ region: 'eu-west-1' }),
      () => KEY,
    );
    await expect(upload(spec)).rejects.toThrow(
      "stack 'xacct-pipeline' (eu-west-1): uploading its template to s3://xacct-templates-111111111111-eu-west-1/xacct/templates/pipeline/0123456789abcdef.json: access denied: the caller may not call s3:PutObject",
    );
    await expect(upload(spec)).rejects.toThrow('(AWS: Access Denied)');
    s3.restore();
  });

  test('without the key ARN the upload is refused before any call', async () => {
    const upload = templateUploader(
      () => {
        throw new Error('no client expected');
      },
      () => undefined,
    );
    await expect(upload(spec)).rejects.toThrow(/artifact key ARN is not known yet/);
  });

  test('URLs use the partition domain', () => {
    expect(templateUrl('b', 'cn-north-1', 'k')).toBe('https://b.s3.cn-north-1.amazonaws.com.cn/k');
  });
});
