/** Asking the operator on a terminal: `--yes` answers for them; without a terminal nobody can. */
import { createInterface } from 'node:readline/promises';
import type { Confirm } from './deps';

export function terminalConfirm(
  yes: boolean,
  input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Confirm {
  return {
    yes,
    interactive: Boolean(input.isTTY),
    ask: async (question) => {
      const rl = createInterface({ input, output });
      try {
        const answer = await rl.question(`${question} [y/N] `);
        return /^y(es)?$/i.test(answer.trim());
      } finally {
        rl.close();
      }
    },
  };
}
