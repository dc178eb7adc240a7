/**
 * deploy/bin.ts, the `xacct` executable: `xacct --help` alone prints the text the build prepared from
 * deploy/cli.ts; everything else goes to the CLI. test/package/pack.test.ts compares the installed
 * prepared text with what yargs prints there.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preparedHelp } from '../../deploy/bin';
import { cli } from './support';

const file = join(mkdtempSync(join(tmpdir(), 'xacct-help-')), 'help.txt');
writeFileSync(file, 'prepared\n');

describe('the prepared help', () => {
  test('answers `--help` alone where stdout is no terminal or one of 100 columns or more', () => {
    expect(preparedHelp(['--help'], undefined, file)).toBe('prepared\n');
    expect(preparedHelp(['--help'], 100, file)).toBe('prepared\n');
    expect(preparedHelp(['--help'], 180, file)).toBe('prepared\n');
  });

  test('leaves everything else to the CLI: a narrower terminal, other arguments, no prepared file', () => {
    expect(preparedHelp(['--help'], 99, file)).toBeUndefined();
    expect(preparedHelp(['build', '--help'], undefined, file)).toBeUndefined();
    expect(preparedHelp(['--help', '--verbose'], undefined, file)).toBeUndefined();
    expect(preparedHelp(['--version'], undefined, file)).toBeUndefined();
    expect(preparedHelp([], undefined, file)).toBeUndefined();
    expect(preparedHelp(['--help'], undefined, join(tmpdir(), 'no-such-dir-xacct', 'help.txt'))).toBeUndefined();
  });
});

describe('the help yargs prints does not depend on the environment', () => {
  test('English headings under a German locale, like every other message (the prepared text is the same everywhere)', async () => {
    const saved = { LC_ALL: process.env.LC_ALL, LANG: process.env.LANG };
    process.env.LC_ALL = 'de_DE.UTF-8';
    process.env.LANG = 'de_DE.UTF-8';
    try {
      const r = await cli(['--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Commands:$/m);
      expect(r.stdout).toMatch(/^Options:$/m);
      expect(r.stdout).not.toMatch(/Kommandos|Optionen/);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
