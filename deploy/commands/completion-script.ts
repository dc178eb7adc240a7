/**
 * yargs' own completion script for xacct. The script asks `xacct --get-yargs-completions <words>`
 * on every Tab, so what it completes is always the installed xacct's commands and options.
 */
import yargs, { Argv } from 'yargs';

export type Shell = 'bash' | 'zsh';

/** The shell yargs would pick: zsh when $SHELL (or ZSH_NAME) says so, else bash. */
export function shellOf(env: NodeJS.ProcessEnv): Shell {
  return /zsh/.test(env.SHELL ?? '') || /zsh/.test(env.ZSH_NAME ?? '') ? 'zsh' : 'bash';
}

/**
 * The script for `shell`. yargs picks its bash or zsh template from $SHELL when an instance is made,
 * and offers no other way to choose: $SHELL is set for that one synchronous call, then restored.
 * The script's installation line names `completion --shell <shell>`, so it reproduces itself.
 */
export function completionScript(shell: Shell): Promise<string> {
  const saved = { SHELL: process.env.SHELL, ZSH_NAME: process.env.ZSH_NAME };
  let y: Argv;
  try {
    process.env.SHELL = shell === 'zsh' ? '/bin/zsh' : '/bin/bash';
    delete process.env.ZSH_NAME;
    y = yargs([]);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  // yargs 17.7 takes ($0, command) here (the command goes into the script's installation line); its typings list neither.
  const show = () =>
    void (y as unknown as { showCompletionScript(app: string, command: string): void }).showCompletionScript('xacct', `completion --shell ${shell}`);
  // Inside a parse() with a callback, yargs hands over what it would print instead of printing it.
  return new Promise((resolveScript, reject) => {
    y.command('script', false, {}, show).parse(['script'], {}, (err, _argv, output) => (err ? reject(err) : resolveScript(`${output}\n`)));
  });
}
