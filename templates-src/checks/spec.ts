/**
 * The slice of the CloudFormation registry data that the schema checks read. The shapes match the
 * entities of `@aws-cdk/aws-service-spec`, whose database `deploy/lint/spec.ts` adapts to this.
 */
export type SpecType =
  | { type: 'string'; allowedValues?: string[] }
  | { type: 'integer'; allowedValues?: number[] }
  | { type: 'number' | 'boolean' | 'json' | 'date-time' | 'null' | 'tag' }
  | { type: 'ref'; reference: { $ref: string } }
  | { type: 'array' | 'map'; element: SpecType }
  | { type: 'union'; types: SpecType[] };

export interface SpecProperty {
  type: SpecType;
  required?: boolean;
}

export interface SpecResource {
  properties: Record<string, SpecProperty>;
  attributes: Record<string, unknown>;
}

export interface SpecTypeDefinition {
  name: string;
  properties: Record<string, SpecProperty>;
}

export interface SpecLookup {
  resource(cfnType: string): SpecResource | undefined;
  typeDefinition(id: string): SpecTypeDefinition | undefined;
}
