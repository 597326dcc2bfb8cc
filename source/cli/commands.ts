/**
 * Every command of the CLI, in the order `--help` lists them. Each module exports `register`.
 */
import type { Command } from 'commander';
import { registerInit } from './init.js';
import { registerDoctor } from './doctor.js';
import { registerHook } from './hook.js';

/** Adds one command (with its subcommands and flags) to the program. */
export type RegisterCommand = (program: Command) => void;

export const commands: readonly RegisterCommand[] = [registerInit, registerDoctor, registerHook];
