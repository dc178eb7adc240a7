/**
 * jest's node environment, recording for every test and every hook the timeout it ran under and how
 * long its function took, into .jest-timings/ (one JSON file per test file). `make bench`
 * (bench/test-times.ts) checks every timeout against at least 3x the time measured under `make test`.
 * Times are read on the real clock: tests that fake timers fake them in their own context, not here.
 */
const { TestEnvironment } = require('jest-environment-node');
const { mkdirSync, writeFileSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { join, relative } = require('node:path');
const { performance } = require('node:perf_hooks');

function fullName(test) {
  const parts = [];
  for (let block = test.parent; block && block.parent; block = block.parent) parts.unshift(block.name);
  return [...parts, test.name].join(' › ');
}

class TimedEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.rootDir = config.globalConfig.rootDir;
    this.file = relative(this.rootDir, context.testPath);
    this.started = new Map();
    this.rows = [];
  }

  handleTestEvent(event, state) {
    if (event.name === 'test_fn_start') this.started.set(event.test, { at: performance.now(), timeout: event.test.timeout || state.testTimeout });
    if (event.name === 'test_fn_success' || event.name === 'test_fn_failure') this.finish(event.test, fullName(event.test), event.name === 'test_fn_success');
    if (event.name === 'hook_start') this.started.set(event.hook, { at: performance.now(), timeout: event.hook.timeout || state.testTimeout });
    if (event.name === 'hook_success' || event.name === 'hook_failure') {
      const block = event.hook.parent;
      const where = block && block.parent ? `${block.name} › ` : '';
      this.finish(event.hook, `${where}${event.hook.type} hook`, event.name === 'hook_success');
    }
  }

  finish(key, name, passed) {
    const s = this.started.get(key);
    if (!s) return;
    this.started.delete(key);
    this.rows.push({ file: this.file, name, ms: Math.round(performance.now() - s.at), timeout: s.timeout, passed });
  }

  async teardown() {
    const dir = join(this.rootDir, '.jest-timings');
    mkdirSync(dir, { recursive: true });
    const id = createHash('sha256').update(this.file).digest('hex').slice(0, 16);
    writeFileSync(join(dir, `${id}.json`), JSON.stringify(this.rows));
    await super.teardown();
  }
}

module.exports = TimedEnvironment;
