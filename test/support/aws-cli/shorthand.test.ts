/**
 * The README test's reading of the AWS CLI's shorthand syntax, on the forms AWS documents: flat
 * structures ("Using shorthand syntax in the AWS CLI"), an OU with a list of accounts and a filter
 * ("Account level targets for service-managed StackSets"), quoted values and explicit lists.
 */
import { parseShorthand } from './shorthand';
import { parseArgv, textOutput } from './cli';

test('a flat structure: comma-separated key=value pairs', () => {
  expect(parseShorthand('ReadCapacityUnits=15,WriteCapacityUnits=10')).toEqual({ ReadCapacityUnits: '15', WriteCapacityUnits: '10' });
  expect(parseShorthand('Key=xacct:prefix,Value=xacct')).toEqual({ Key: 'xacct:prefix', Value: 'xacct' });
});

test('values after a comma that start no key continue the value before them as a list', () => {
  expect(parseShorthand('OrganizationalUnitIds=OU1,Accounts=A1,A2,AccountFilterType=INTERSECTION')).toEqual({
    OrganizationalUnitIds: 'OU1',
    Accounts: ['A1', 'A2'],
    AccountFilterType: 'INTERSECTION',
  });
  expect(parseShorthand('OrganizationalUnitIds=ou-a,ou-b')).toEqual({ OrganizationalUnitIds: ['ou-a', 'ou-b'] });
});

test('quoted values keep their commas; explicit lists', () => {
  expect(parseShorthand(`ParameterKey=Paths,ParameterValue="o-1/*,o-2/*"`)).toEqual({ ParameterKey: 'Paths', ParameterValue: 'o-1/*,o-2/*' });
  expect(parseShorthand(`A='x,y',B="say \\"hi\\""`)).toEqual({ A: 'x,y', B: 'say "hi"' });
  expect(parseShorthand('RegionOrder=[eu-west-1,us-east-1]')).toEqual({ RegionOrder: ['eu-west-1', 'us-east-1'] });
});

test('malformed input is refused with where it went wrong', () => {
  expect(() => parseShorthand('=x')).toThrow(/expected key= at 0/);
  expect(() => parseShorthand('A="open')).toThrow(/unterminated "/);
});

test('argv: options take the words up to the next option; --region, --query and --output are global', () => {
  const p = parseArgv([
    'cloudformation',
    'create-stack-instances',
    '--regions',
    'eu-west-1',
    'us-east-1',
    '--region',
    'eu-west-1',
    '--query',
    'OperationId',
    '--output',
    'text',
  ]);
  expect(p).toMatchObject({ service: 'cloudformation', command: 'create-stack-instances', region: 'eu-west-1', query: 'OperationId', output: 'text' });
  expect(p.options.get('regions')).toEqual(['eu-west-1', 'us-east-1']);
});

test('text output: scalars as they are, null as None, lists tab-separated, lists of lists as rows', () => {
  expect([
    textOutput('SUCCEEDED'),
    textOutput(null),
    textOutput(['SUCCEEDED', 0]),
    textOutput([
      ['a', 'b'],
      ['c', 'd'],
    ]),
    textOutput([]),
  ]).toEqual(['SUCCEEDED', 'None', 'SUCCEEDED\t0', 'a\tb\nc\td', '']);
});
