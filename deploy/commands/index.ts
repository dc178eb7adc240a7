/** Every command of the CLI, one module each. Add a command by adding its module here. */
import type { Command } from './types';
import { buildCommand } from './build';

export const commands: Command[] = [buildCommand];
import { lintCommand } from './lint'; commands.push(lintCommand);
import { deployCommand } from './deploy'; commands.push(deployCommand);
import { planCommand } from './plan'; commands.push(planCommand);
import { statusCommand } from './status'; commands.push(statusCommand);
import { destroyCommand } from './destroy'; commands.push(destroyCommand);
