/**
 * Where things live: the package's own files (templates/, skills/) and a project's files.
 */
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

/** The installed package's root (the folder holding package.json, templates/ and skills/). */
export const packageRoot: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The shipped templates folder. */
export const templatesDir: string = path.join(packageRoot, 'templates');
/** The shipped skills folder. */
export const skillsDir: string = path.join(packageRoot, 'skills');

/**
 * How to invoke this very nightshift from a child process (hooks, the detached engine, the task
 * tool server): the node binary plus the CLI script, so it works without `nightshift` on PATH,
 * e.g. `[/usr/bin/node, /…/dist/cli/index.js]`.
 */
export function nightshiftCommand(): string[] {
  return [process.execPath, path.join(packageRoot, 'dist', 'cli', 'index.js')];
}

/** The files of one project, all derived from its root. */
export interface ProjectPaths {
  readonly root: string;
  readonly config: string;
  readonly dir: string;
  readonly state: string;
  readonly lock: string;
  readonly socket: string;
  readonly logs: string;
  readonly events: string;
  readonly progress: string;
  readonly experiments: string;
  readonly backups: string;
  readonly prompts: string;
  readonly plan: string;
}

/** Paths of the project rooted at `root`. */
export function projectPaths(root: string): ProjectPaths {
  const absolute = path.resolve(root);
  const dir = path.join(absolute, '.nightshift');
  return {
    root: absolute,
    config: path.join(absolute, 'nightshift.toml'),
    dir,
    state: path.join(dir, 'state.json'),
    lock: path.join(dir, 'engine.lock'),
    socket: path.join(dir, 'engine.sock'),
    logs: path.join(dir, 'logs'),
    events: path.join(dir, 'events.jsonl'),
    progress: path.join(dir, 'progress.md'),
    experiments: path.join(dir, 'experiments.jsonl'),
    backups: path.join(dir, 'backups'),
    prompts: path.join(dir, 'prompts'),
    plan: path.join(dir, 'plan.json'),
  };
}

/** `$XDG_STATE_HOME/nightshift` (default `~/.local/state/nightshift`): registry and worktrees. */
export function stateHome(): string {
  const base = process.env['XDG_STATE_HOME'] || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'nightshift');
}
