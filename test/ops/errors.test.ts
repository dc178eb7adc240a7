/** AccessDenied, expired credentials and throttling that outlasted the retries, as the operator reads them. */
import { CloudFormationClient, CloudFormationServiceException, DescribeStackSetCommand } from '@aws-sdk/client-cloudformation';
import { explainAwsFailure, parseDenied } from '../../deploy/aws-error';
import { guard } from '../../deploy/aws';
import { report } from '../../deploy/cli';
import { XacctError } from '../../deploy/errors';

const awsError = (name: string, message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(
    new CloudFormationServiceException({ name, $fault: 'client', message, $metadata: { httpStatusCode: 403, ...((extra.$metadata as object) ?? {}) } }),
    extra,
  );

const DENIED =
  'User: arn:aws:sts::222222222222:assumed-role/deployer/ci-session is not authorized to perform: cloudformation:DeleteStackSet on resource: arn:aws:cloudformation:eu-west-1:222222222222:stackset/xacct-cross-account-role:* because no identity-based policy allows the cloudformation:DeleteStackSet action';

function printed(err: unknown): { code: number; text: string } {
  let text = '';
  const code = report(err, { verbose: false }, (s) => (text += s));
  return { code, text };
}

describe('AWS failures explained', () => {
  test('AccessDenied names the account, role and action and what to grant, keeping the AWS message', () => {
    const e = explainAwsFailure(awsError('AccessDenied', DENIED))!;
    expect(e.code).toBe('ACCESS_DENIED');
    expect(e.message).toContain("access denied: role 'deployer' in account 222222222222 may not call cloudformation:DeleteStackSet;");
    expect(e.message).toContain(
      'grant "cloudformation:DeleteStackSet" to role \'deployer\' on arn:aws:cloudformation:eu-west-1:222222222222:stackset/xacct-cross-account-role:*',
    );
    expect(e.message).toContain(`(AWS: ${DENIED})`);
  });

  test('a denial by a service control policy or a permissions boundary says so instead of "grant"', () => {
    expect(
      parseDenied(
        'User: arn:aws:iam::111111111111:user/ci is not authorized to perform: organizations:ListRoots with an explicit deny in a service control policy',
      ).cause,
    ).toBe('scp');
    const scp = explainAwsFailure(
      awsError(
        'AccessDeniedException',
        'User: arn:aws:iam::111111111111:user/ci is not authorized to perform: organizations:ListRoots with an explicit deny in a service control policy',
      ),
    )!;
    expect(scp.message).toContain(
      "user 'ci' in account 111111111111 may not call organizations:ListRoots; a service control policy of the organization denies organizations:ListRoots",
    );
    const boundary = explainAwsFailure(
      awsError(
        'AccessDenied',
        'User: arn:aws:sts::2:assumed-role/deployer/s is not authorized to perform: cloudformation:CreateStackSet on resource: x because no permissions boundary allows the cloudformation:CreateStackSet action',
      ),
    )!;
    expect(boundary.message).toContain("the permissions boundary of role 'deployer' does not allow cloudformation:CreateStackSet");
  });

  test('a denial without the IAM sentence still names the API the call was', async () => {
    const client = guard(new CloudFormationClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }));
    client.middlewareStack.add(
      () => async () => {
        throw awsError('AccessDenied', 'Access Denied');
      },
      { step: 'serialize', name: 'pretendService' },
    );
    const err = await client.send(new DescribeStackSetCommand({ StackSetName: 'xacct-cross-account-role' })).catch((x) => x);
    expect(explainAwsFailure(err)!.message).toMatch(
      /^access denied: the caller may not call cloudformation:DescribeStackSet; grant "cloudformation:DescribeStackSet" to the caller/,
    );
  });

  test('expired credentials say so and exit 2', () => {
    const { code, text } = printed(awsError('ExpiredToken', 'The security token included in the request is expired'));
    expect(code).toBe(2);
    expect(text).toBe(
      'error: AWS credentials have expired: refresh them (aws sso login, or assume the role again) and run again (AWS: The security token included in the request is expired)\n',
    );
  });

  test('throttling that outlasted the retries says which API and how many attempts, exit 1', async () => {
    const client = guard(new CloudFormationClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }));
    client.middlewareStack.add(
      () => async () => {
        throw awsError('Throttling', 'Rate exceeded', { $metadata: { attempts: 10 } });
      },
      { step: 'serialize', name: 'pretendService' },
    );
    const cause = await client.send(new DescribeStackSetCommand({ StackSetName: 'xacct-read-only-role' })).catch((x) => x);
    const { code, text } = printed(new XacctError('DEPLOY_FAILED', `DescribeStackSet 'xacct-read-only-role' failed: Rate exceeded`, { cause }));
    expect(code).toBe(1);
    expect(text).toBe(
      "error: DescribeStackSet 'xacct-read-only-role' failed: AWS kept throttling cloudformation:DescribeStackSet after 10 attempts; wait a few minutes and run again (StackSet APIs share one rate limit per account and region) (AWS: Rate exceeded)\n",
    );
  });

  test("the CLI prints an AccessDenied wrapped in xacct's own error as one line: what it was doing, then the explanation", () => {
    const cause = awsError('AccessDenied', DENIED);
    const { code, text } = printed(new XacctError('DEPLOY_FAILED', `StackSet 'xacct-cross-account-role': DeleteStackSet failed: ${DENIED}`, { cause }));
    expect(code).toBe(2);
    expect(text.split('\n')).toHaveLength(2);
    expect(text).toMatch(
      /^error: StackSet 'xacct-cross-account-role': DeleteStackSet failed: access denied: role 'deployer' in account 222222222222 may not call cloudformation:DeleteStackSet;/,
    );
  });

  test('after an interrupt the clients send nothing more', async () => {
    const controller = new AbortController();
    const client = guard(new CloudFormationClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }), controller.signal);
    let sent = 0;
    client.middlewareStack.add(
      () => async () => {
        sent++;
        return { output: {}, response: {} } as never;
      },
      { step: 'serialize', name: 'pretendService' },
    );
    controller.abort();
    const err = await client.send(new DescribeStackSetCommand({ StackSetName: 'x' })).catch((x) => x);
    expect(err).toBeInstanceOf(XacctError);
    expect((err as XacctError).code).toBe('INTERRUPTED');
    expect(sent).toBe(0);
  });
});
