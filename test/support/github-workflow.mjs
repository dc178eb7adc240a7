/**
 * Parses a GitHub Actions workflow with GitHub's own parser (@actions/workflow-parser, the one
 * behind GitHub's language services) and prints JSON: the parser's errors and the converted
 * workflow (jobs, their conditions, permissions and steps). Run as a child process by
 * test/examples/ci-recipes.test.ts: the package is ECMAScript modules only.
 *
 * Usage: node test/support/github-workflow.mjs FILE
 */
import { readFileSync } from 'node:fs';
import { register } from 'node:module';

// The parser imports its schema JSON without an import attribute (its build targets bundlers);
// Node's loader needs `type: 'json'`, added here for .json files only.
const hook = `export async function load(url, context, next) {
  return url.endsWith('.json') ? next(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } }) : next(url, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);

const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await import('@actions/workflow-parser');

const file = process.argv[2];
const parsed = parseWorkflow({ name: file, content: readFileSync(file, 'utf8') }, new NoOperationTraceWriter());
const template = await convertWorkflowTemplate(parsed.context, parsed.value);
const errors = [
  ...new Set([...parsed.context.errors.getErrors().map((e) => e.message), ...(template.errors ?? []).map((e) => e.Message ?? e.message ?? String(e))]),
];
process.stdout.write(JSON.stringify({ errors, workflow: template }, null, 2));
