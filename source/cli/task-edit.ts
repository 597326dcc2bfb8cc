/**
 * `nightshift task edit ID` and `task rm ID`: change or remove queued tasks. Both are task writes, so
 * they go through a running engine like every other queue change (DESIGN.md §3), audited, with a
 * backup of the queue first.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { parsePlanFile, toPlanFile } from '../tasks/plan-file.js';
import { findTask } from '../tasks/queue.js';
import { EDITABLE_FIELDS, type TaskChanges } from '../tasks/task-edit.js';
import type { Task } from '../tasks/model.js';
import { collect, printLine } from './output.js';
import { readState, writeTasks } from '../ipc/task-access.js';

interface EditOptions {
  readonly title?: string;
  readonly description?: string;
  readonly priority?: string;
  readonly epic?: string;
  readonly step?: string[];
  readonly addStep?: string[];
  readonly verify?: string[];
  readonly addVerify?: string[];
  readonly path?: string[];
  readonly dependsOn?: string[];
  readonly backend?: string;
  readonly model?: string;
  readonly notes?: string;
  readonly force?: boolean;
}

/** Adds `edit` and `rm` to the `task` command. */
export function registerTaskEdit(task: Command, projectRoot: () => Promise<string>): void {
  task
    .command('edit')
    .description('change a task by flags, or in $EDITOR as JSON when no flag is given (audited)')
    .argument('<id>', 'task id')
    .option('--title <text>', 'new title')
    .option('--description <text>', 'new description')
    .option('--priority <n>', 'new priority (higher runs first)')
    .option('--epic <id>', 'new epic ("" removes it)')
    .option('--step <text>', 'replace the steps (repeatable, in order)', collect)
    .option('--add-step <text>', 'append a step (repeatable)', collect)
    .option('--verify <command>', 'replace the validate commands (repeatable)', collect)
    .option('--add-verify <command>', 'append a validate command (repeatable)', collect)
    .option('--path <glob>', 'replace the path patterns (repeatable)', collect)
    .option('--depends-on <id>', 'replace the dependencies (repeatable)', collect)
    .option('--backend <name>', 'the backend for this task ("" = the run\'s)')
    .option('--model <name>', 'the model for this task ("" = the backend\'s)')
    .option('--notes <text>', 'new notes')
    .option('--force', 'allow dropping validate commands or path patterns (weaker verification)')
    .addHelpText(
      'after',
      '\nExamples:\n  nightshift task edit api-2 --priority 5 --add-verify "npm test"\n  nightshift task edit api-2 --backend codex --model gpt-5\n  EDITOR=vim nightshift task edit api-2   # edit the task as JSON',
    )
    .action(async (id: string, options: EditOptions) => {
      const root = await projectRoot();
      const current = findTask(await readState(root), id);
      const changes = changesFromFlags(current, options) ?? (await changesFromEditor(current));
      if (changes === undefined) return printLine(`${id}: nothing changed`);
      const outcome = await writeTasks(root, { op: 'edit', id, changes, force: options.force === true });
      printLine(outcome.summary);
      if (outcome.backup) printLine(`backup: ${outcome.backup}`);
    });

  task
    .command('rm')
    .description('remove tasks from the queue (refused when others depend on them, unless --cascade)')
    .argument('<ids...>', 'task ids')
    .option('--cascade', 'also remove the tasks that depend on them')
    .action(async (ids: string[], options: { cascade?: boolean }) => {
      const outcome = await writeTasks(await projectRoot(), {
        op: 'rm',
        ids,
        cascade: options.cascade === true,
      });
      printLine(outcome.summary);
      if (outcome.backup) printLine(`backup: ${outcome.backup}`);
    });
}

/** The changes the flags ask for, or undefined when no field flag was given (edit in $EDITOR). */
function changesFromFlags(task: Task, options: EditOptions): TaskChanges | undefined {
  const changes: Record<string, unknown> = {};
  if (options.title !== undefined) changes['title'] = options.title;
  if (options.description !== undefined) changes['description'] = options.description;
  if (options.priority !== undefined) {
    const priority = Number(options.priority);
    if (!Number.isInteger(priority))
      throw new UserError(`--priority must be an integer, got "${options.priority}"`);
    changes['priority'] = priority;
  }
  if (options.epic !== undefined) changes['epic'] = options.epic === '' ? null : options.epic;
  if (options.step !== undefined || options.addStep !== undefined)
    changes['steps'] = [...(options.step ?? task.steps), ...(options.addStep ?? [])];
  if (options.verify !== undefined || options.addVerify !== undefined || options.path !== undefined) {
    changes['verification'] = {
      ...task.verification,
      commands: [...(options.verify ?? task.verification.commands), ...(options.addVerify ?? [])],
      pathPatterns: options.path ?? task.verification.pathPatterns,
    };
  }
  if (options.dependsOn !== undefined) changes['dependsOn'] = options.dependsOn;
  if (options.backend !== undefined) changes['backend'] = options.backend === '' ? null : options.backend;
  if (options.model !== undefined) changes['model'] = options.model === '' ? null : options.model;
  if (options.notes !== undefined) changes['notes'] = options.notes;
  return Object.keys(changes).length === 0 ? undefined : changes;
}

/** Keys of the plan-file form that are history or status, not something an edit changes. */
const NOT_EDITED = ['status', 'passes', 'blocked', 'block_reason', 'learning'];

/**
 * Opens the task as plan-file JSON in $VISUAL/$EDITOR and reads the changes back; undefined when the
 * file was saved unchanged.
 */
async function changesFromEditor(task: Task): Promise<TaskChanges | undefined> {
  const editor = process.env['VISUAL'] || process.env['EDITOR'];
  if (!editor)
    throw new UserError('task edit without flags opens the task in $EDITOR, and $EDITOR is not set', {
      hint: `set EDITOR (e.g. EDITOR=vi), or change fields by flags: nightshift task edit ${task.id} --title "…"`,
    });
  const planTask = toPlanFile({ project: '', epics: [], tasks: [task] }).tasks[0] as Record<string, unknown>;
  for (const key of NOT_EDITED) delete planTask[key];
  const original = `${JSON.stringify(planTask, null, 2)}\n`;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nightshift-edit-'));
  const file = path.join(dir, `${task.id}.json`);
  try {
    await writeFile(file, original);
    // Through the shell, so an EDITOR with arguments ("code --wait") works as in git.
    const result = spawnSync('/bin/sh', ['-c', `${editor} "$1"`, 'editor', file], { stdio: 'inherit' });
    if (result.status !== 0)
      throw new UserError(
        `the editor (${editor}) exited with ${result.status ?? result.signal ?? 'an error'}; nothing changed`,
      );
    const text = await readFile(file, 'utf8');
    if (text === original) return undefined;
    const edited = parsePlanFile(`{"tasks": [${text}]}`, `${task.id}.json (edited)`).tasks[0];
    if (edited === undefined) return undefined;
    if (edited.id !== task.id)
      throw new UserError(`the id cannot be edited (was "${task.id}", now "${edited.id}"); nothing changed`, {
        hint: 'to rename a task, add it under the new id and remove the old one (nightshift task rm)',
      });
    const changes: Record<string, unknown> = {};
    for (const field of EDITABLE_FIELDS) changes[field] = edited[field] ?? null;
    return changes;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
