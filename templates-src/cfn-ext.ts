/**
 * Typed extensions for CloudFormation properties newer than cloudform's 2023 resource spec.
 * Each adds only the properties xacct sets; the values are checked against the current schema
 * by `make lint`.
 */
import { CodePipeline, Value } from './cfn-types';
import type { PipelineProperties } from 'cloudform-types/types/codePipeline/pipeline';

export interface PipelineV2Properties extends PipelineProperties {
  /** V2 pipelines: per-execution pricing, triggers, variables, execution modes. */
  PipelineType: Value<'V1' | 'V2'>;
  ExecutionMode?: Value<'QUEUED' | 'SUPERSEDED' | 'PARALLEL'>;
}

export class PipelineV2 extends CodePipeline.Pipeline {
  constructor(properties: PipelineV2Properties) {
    super(properties);
  }
}
