import { merge } from '../../templates-src/cfn';
import { IAM, SSM } from '../../templates-src/cfn-types';
import { pipelineTemplate } from '../../templates-src/central/pipeline';
import { fixtureConfig } from '../support/build';

const parameter = (name: string) => new SSM.Parameter({ Name: name, Type: 'String', Value: 'x' });

describe('merge', () => {
  test('refuses a logical ID defined twice, naming the section and the ID', () => {
    expect(() => merge('t', { Resources: { Thing: parameter('/a') } }, { Resources: { Thing: parameter('/b') } })).toThrow(
      "merge: Resources 'Thing' is defined twice",
    );
    expect(() => merge('t', { Outputs: { Arn: { Value: 'a' } } }, { Outputs: { Arn: { Value: 'b' } } })).toThrow("merge: Outputs 'Arn' is defined twice");
  });

  test('accepts the same shared Parameter declared by two fragments, refuses two different ones', () => {
    const p = { Type: 'String', Default: 'x' };
    expect(merge('t', { Parameters: { Prefix: p } }, { Parameters: { Prefix: { ...p } } }).Parameters).toEqual({ Prefix: p });
    expect(() => merge('t', { Parameters: { Prefix: p } }, { Parameters: { Prefix: { ...p, Default: 'y' } } })).toThrow(
      "merge: Parameters 'Prefix' is defined twice",
    );
  });

  test('keeps every resource of every fragment, sections in CloudFormation order, no empty sections', () => {
    const t = merge(
      't',
      { Outputs: { O: { Value: 'v' } }, Resources: { A: parameter('/a') } },
      { Resources: { B: new IAM.ManagedPolicy({ PolicyDocument: {} }) } },
    );
    expect(Object.keys(t)).toEqual(['AWSTemplateFormatVersion', 'Description', 'Resources', 'Outputs']);
    expect(Object.keys(t.Resources!)).toEqual(['A', 'B']);
  });

  test('builders compose through it: pipelines app-1 and app1 (both logical ID App1Pipeline) are refused, not one dropped', () => {
    const config = fixtureConfig('default');
    const [p] = config.pipelines;
    expect(() =>
      pipelineTemplate({
        ...config,
        pipelines: [
          { ...p, name: 'app-1' },
          { ...p, name: 'app1' },
        ],
      }),
    ).toThrow(/merge: Resources 'App1\w*' is defined twice/);
  });
});
