import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Config, parseConfig } from '../../templates-src/config';
import { synth } from '../../templates-src/cfn';
import { enabledTemplates } from '../../templates-src/index';
import { servicesUsed } from '../../templates-src/checks/iam-actions-exist';
import type { CheckContext, TemplateUnderCheck } from '../../templates-src/checks/types';
import { findTemplates, readTemplate, TemplateFile } from '../../deploy/lint/files';
import { loadActionCatalog } from '../../deploy/lint/iam-catalog';
import { loadSpec } from '../../deploy/lint/spec';

export const ROOT = join(__dirname, '..', '..');
export const LINT_FIXTURES = join(ROOT, 'test', 'fixtures', 'lint');
export const BROKEN = join(LINT_FIXTURES, 'broken');

export function largestConfig(): Config {
  const file = join(LINT_FIXTURES, 'largest.config.yml');
  return parseConfig(parse(readFileSync(file, 'utf8')), file);
}

/** Every enabled template of a config, built one by one (the template body limit is build's concern). */
export function templatesFor(config: Config): TemplateUnderCheck[] {
  return enabledTemplates(config).map((e) => ({ name: e.name, template: synth(e.build(config)) as unknown as TemplateUnderCheck['template'] }));
}

export function brokenFixture(name: string): TemplateFile {
  return readTemplate(BROKEN, join(BROKEN, `${name}.template.json`));
}

/** The committed templates that must pass: dist/ and the expected fixtures of every config. */
export function goodTemplateSets(): Array<[string, TemplateUnderCheck[]]> {
  const sets: Array<[string, TemplateUnderCheck[]]> = [['dist', findTemplates(join(ROOT, 'dist'), false)]];
  for (const config of ['default', 'two-ous']) sets.push([`expected/${config}`, findTemplates(join(ROOT, 'test', 'fixtures', 'expected', config), false)]);
  return sets;
}

export async function contextFor(templates: TemplateUnderCheck[]): Promise<Omit<CheckContext, 'all'>> {
  return { spec: loadSpec(), iam: await loadActionCatalog(servicesUsed(templates)) };
}
