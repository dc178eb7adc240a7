/**
 * What every command receives: clients, the operator's I/O, a clock, the record of what AWS is busy
 * with (for Ctrl-C), waiting limits, and (for commands that delete) a way to ask first.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { STSClient } from '@aws-sdk/client-sts';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Clock } from './clock';
import type { Io } from './io';
import type { Activity } from './interrupt';
import type { EngineSource } from './rollout/engine';

/** The clients deploy/ needs; `deploy/aws.ts` makes them. */
export interface AwsClients {
  sts: STSClient;
  org: OrganizationsClient;
  cfn(region: string): CloudFormationClient;
  s3(region: string): S3Client;
}

/** Waiting limits; the defaults suit real AWS, tests shorten them. */
export interface Timeouts {
  /** One StackSet operation (default three hours). */
  operationMs?: number;
  /** One stack create, update or delete (default one hour). */
  stackMs?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/** Asking before something is deleted: `--yes` answers for the operator; without a terminal nobody can. */
export interface Confirm {
  yes: boolean;
  /** Someone can answer (stdin is a terminal). */
  interactive: boolean;
  ask(question: string): Promise<boolean>;
}

export const NEVER_CONFIRM: Confirm = { yes: false, interactive: false, ask: async () => false };

export async function confirmed(c: Confirm, question: string): Promise<boolean> {
  if (c.yes) return true;
  if (!c.interactive) return false;
  return c.ask(question);
}

export interface CommandDeps {
  clients: AwsClients;
  io: Io;
  clock: Clock;
  /** Records what AWS is busy with for the message an interrupt prints (interrupt.ts). */
  activity?: Activity;
  timeouts?: Timeouts;
  confirm?: Confirm;
  /** xacct's engine bundle for stackset: stages and selfUpdate (default: the one this xacct ships; tests give a stand-in). */
  engine?: EngineSource;
}
