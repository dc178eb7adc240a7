/**
 * The current CloudFormation registry data (`@aws-cdk/aws-service-spec`) behind the schema checks'
 * narrow `SpecLookup`. Reads the package's compressed database once per process.
 */
import type { SpecLookup, SpecResource, SpecTypeDefinition } from '../../templates-src/checks/spec';
import { requireLintPackage } from './packages';

let cached: SpecLookup | undefined;

export function loadSpec(): SpecLookup {
  if (cached) return cached;
  // Loaded on demand: only `xacct lint` reads the database, and loading it takes a while.
  const { loadAwsServiceSpecSync } = requireLintPackage<typeof import('@aws-cdk/aws-service-spec')>('@aws-cdk/aws-service-spec');
  const db = loadAwsServiceSpecSync();
  const resources = new Map<string, SpecResource | undefined>();
  cached = {
    resource(cfnType) {
      if (!resources.has(cfnType)) {
        const found = db.lookup('resource', 'cloudFormationType', 'equals', cfnType);
        resources.set(cfnType, found.length > 0 ? (found[0] as unknown as SpecResource) : undefined);
      }
      return resources.get(cfnType);
    },
    typeDefinition(id) {
      try {
        return db.get('typeDefinition', id) as unknown as SpecTypeDefinition;
      } catch {
        return undefined;
      }
    },
  };
  return cached;
}
