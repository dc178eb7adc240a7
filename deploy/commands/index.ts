/** Every command of the CLI, one module each. Add a command by adding its module here. */
import type { CommandSpec } from './types';
import { buildCommand } from './build';
import { lintCommand } from './lint';
import { deployCommand } from './deploy';
import { planCommand } from './plan';
import { statusCommand } from './status';
import { destroyCommand } from './destroy';

export const commands: CommandSpec[] = [buildCommand, lintCommand, deployCommand, planCommand, statusCommand, destroyCommand];
