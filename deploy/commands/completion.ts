import type { CommandSpec } from './types';

export const completionCommand: CommandSpec = {
  name: 'completion',
  describe: "Print the shell completion script (yargs'): commands and options complete on Tab",
  aws: false,
  options: {
    shell: { choices: ['bash', 'zsh'], requiresArg: true, describe: 'The shell the script is for (default: zsh when $SHELL is zsh, else bash)' },
  },
  examples: [
    ['$0 completion >> ~/.bashrc', 'bash: complete xacct in every new shell'],
    ['$0 completion --shell zsh >> ~/.zshrc', 'zsh'],
  ],
  exitCodes: [
    [0, 'printed'],
    [2, 'bad arguments'],
  ],
  handler: async (argv, io) => {
    const { completionScript, shellOf } = await import('./completion-script');
    const shell = (argv.shell as 'bash' | 'zsh' | undefined) ?? shellOf(process.env);
    const script = await completionScript(shell);
    io.result(script, { shell, script });
  },
};
