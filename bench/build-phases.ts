/**
 * Run in a fresh process by bench/startup.ts: what `xacct build` spends its time on, phase by phase,
 * one after another (in the CLI, Graphviz loads in its own thread while the rest runs). Prints one
 * JSON object of milliseconds per phase.
 */
import { performance } from 'node:perf_hooks';

const phases: Record<string, number> = {};
let last = performance.now();
const mark = (name: string) => {
  const now = performance.now();
  phases[name] = now - last;
  last = now;
};

/* eslint-disable @typescript-eslint/no-require-imports -- each require is timed on its own, in order; static imports would all load before the first mark */
require('yargs');
require('../deploy/commands');
mark('yargs and the command specs (what every command line but --help alone loads)');
const { parseConfig, defaultConfigInput, configJsonSchema } = require('../templates-src/config') as typeof import('../templates-src/config');
mark('config schema module (zod)');
const { toYaml } = require('../templates-src/build') as typeof import('../templates-src/build');
const { distTemplates } = require('../templates-src/index') as typeof import('../templates-src/index');
const { synth } = require('../templates-src/cfn') as typeof import('../templates-src/cfn');
const { dotDiagram } = require('../templates-src/diagram') as typeof import('../templates-src/diagram');
const { prepareSvgRenderer, renderSvg } = require('../templates-src/diagram-svg') as typeof import('../templates-src/diagram-svg');
/* eslint-enable @typescript-eslint/no-require-imports */
mark('builders and the YAML library');
const config = parseConfig(defaultConfigInput);
mark('validate the config');
const templates = distTemplates(config).map((e) => synth(e.build(config)));
for (const t of templates) JSON.stringify(t, null, 2);
mark('synthesize every template (JSON)');
for (const t of templates) toYaml(t);
mark('the same as YAML (first run)');
JSON.stringify(configJsonSchema());
mark('JSON Schema of the config');
prepareSvgRenderer();
renderSvg(dotDiagram(config));
mark('Graphviz: start its thread, load, render');
process.stdout.write(JSON.stringify(phases));
