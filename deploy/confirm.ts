/** Asking the operator: `--yes` answers for them; without a terminal nobody can answer, so the answer is no. */
import { createInterface } from 'node:readline/promises';

export function confirmer(yes: boolean, input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin, output: NodeJS.WritableStream = process.stderr): (question: string) => Promise<boolean> {
  return async (question) => {
    if (yes) return true;
    if (!input.isTTY) return false;
    const rl = createInterface({ input, output });
    try {
      const answer = await rl.question(`${question} [y/N] `);
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      rl.close();
    }
  };
}
