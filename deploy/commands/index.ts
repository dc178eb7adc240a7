/** Every command of the CLI, one module each. Add a command by adding its module here. */
import type { CommandSpec } from './types';
import { buildCommand } from './build';
import { lintCommand } from './lint';
import { deployCommand } from './deploy';
import { planCommand } from './plan';
import { statusCommand } from './status';
import { destroyCommand } from './destroy';
import { initCommand } from './init';
import { paramsCommand } from './params';
import { rolloutCommand } from './rollout';
import { completionCommand } from './completion';

export const commands: CommandSpec[] = [
  initCommand,
  buildCommand,
  lintCommand,
  paramsCommand,
  planCommand,
  deployCommand,
  rolloutCommand,
  statusCommand,
  destroyCommand,
  completionCommand,
];
