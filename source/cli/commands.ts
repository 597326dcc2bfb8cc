/**
 * Every command of the CLI, in the order `--help` lists them. Each module exports `register`.
 */
import type { Command } from 'commander';
import { registerInit } from './init.js';
import { registerDoctor } from './doctor.js';
import { registerHook } from './hook.js';
import { registerTask } from './task.js';
import { registerRun } from './run.js';
import { registerStatus } from './status.js';
import { registerLogs } from './logs.js';
import { registerControl } from './control.js';
import { registerVerify } from './verify.js';

/** Adds one command (with its subcommands and flags) to the program. */
export type RegisterCommand = (program: Command) => void;

export const commands: readonly RegisterCommand[] = [
  registerInit,
  registerTask,
  registerRun,
  registerStatus,
  registerLogs,
  registerControl,
  registerVerify,
  registerDoctor,
  registerHook,
];
