/**
 * `nightshift task …`: inspect and edit the queue (DESIGN.md §1).
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { Option } from 'commander';
import { UserError } from '../errors.js';
import { templatesDir } from '../paths.js';
import type { TaskInput } from '../tasks/model.js';
import { formatPlanFile, parsePlanFile } from '../tasks/plan-file.js';
import { findTask, nextTask } from '../tasks/queue.js';
import { parseVerifyMap, taskMasterFromText } from '../tasks/taskmaster.js';
import type { TaskWrite } from '../tasks/task-write.js';
import { loadConfig } from '../config/load.js';
import { findProjectRoot } from './project.js';
import { collect, parseIds, printJson, printLine } from './output.js';
import { readState, writeTasks } from '../ipc/task-access.js';
import { readStateForDisplay } from '../store/read-state.js';
import { STATE_VERSION } from '../store/version.js';
import type { State } from '../store/schema.js';
import {
  formatTaskDetail,
  INK_TABLE_MAX_ROWS,
  plainTaskTable,
  statusCounts,
  taskRows,
} from './task-format.js';
import { TASK_STATUSES } from '../tasks/model.js';
import { slugifyTitle, uniqueTaskId } from '../tasks/task-id.js';
import { registerTaskEdit } from './task-edit.js';
import { registerTaskDiff } from './task-diff.js';
import { readKeptAttempts } from '../report/attempt-archive.js';
import { projectPaths } from '../paths.js';
import { sortTasks, TASK_SORT_KEYS } from './task-format.js';

interface AddOptions {
  readonly title?: string;
  readonly description?: string;
  readonly step?: string[];
  readonly dependsOn?: string[];
  readonly verify?: string[];
  readonly path?: string[];
  readonly priority?: string;
  readonly epic?: string;
  readonly id?: string;
  readonly backend?: string;
  readonly model?: string;
  readonly file?: string;
  readonly json?: boolean;
}

/** Registers `task` and its subcommands. */
export function registerTask(program: Command): void {
  const task = program
    .command('task')
    .description('inspect and edit the task queue')
    .addHelpText(
      'after',
      '\nExamples:\n  nightshift task list\n  nightshift task add --title "Add /health" --step "add the route" --verify "npm test"\n  nightshift task dep add api-2 api-1   # api-2 depends on api-1',
    );

  task
    .command('list')
    .description('list tasks with status, priority, dependencies and attempts')
    .addOption(new Option('--status <status>', 'only tasks with this status').choices([...TASK_STATUSES]))
    .addOption(
      new Option('--sort <key>', 'order by this key (cost and tokens: highest first)')
        .choices([...TASK_SORT_KEYS])
        .default('queue'),
    )
    .option('--json', 'print the tasks as JSON')
    .action(async (options: { status?: string; sort?: string; json?: boolean }) => {
      const state = await readStateForList(await projectRoot());
      const filtered = options.status ? state.tasks.filter((t) => t.status === options.status) : state.tasks;
      const tasks = sortTasks(filtered, (options.sort ?? 'queue') as (typeof TASK_SORT_KEYS)[number]);
      if (options.json) return printJson(tasks);
      if (tasks.length === 0) {
        printLine(
          state.tasks.length === 0
            ? 'No tasks yet. Add one with `nightshift task add` or `nightshift task import FILE`.'
            : `No ${options.status} tasks.`,
        );
        return;
      }
      // The boxed Ink table is for people: loading Ink costs ~0.7 s here, so pipes and long lists get the plain one.
      if (process.stdout.isTTY && tasks.length <= INK_TABLE_MAX_ROWS) {
        const [{ renderOnce }, { TaskTable }, React] = await Promise.all([
          import('../ui/render-once.js'),
          import('../ui/TaskTable.js'),
          import('react'),
        ]);
        printLine(
          renderOnce(
            React.createElement(TaskTable, { rows: taskRows(tasks) }),
            process.stdout.columns ?? 200,
          ),
        );
      } else {
        printLine(plainTaskTable(tasks));
      }
      printLine(`${tasks.length} task${tasks.length === 1 ? '' : 's'}: ${statusCounts(tasks)}`);
    });

  task
    .command('show')
    .description('show one task: description, steps, verification, attempts, learning')
    .argument('<id>', 'task id')
    .option('--json', 'print the task as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const root = await projectRoot();
      const found = findTask(await readState(root), id);
      if (options.json) return printJson(found);
      printLine(formatTaskDetail(found));
      const kept = await readKeptAttempts(projectPaths(root).dir, found.id);
      if (kept.length > 0) {
        printLine('\nkept for inspection (nightshift task diff ID --attempt N):');
        for (const attempt of kept) {
          const files = [
            attempt.diff && 'diff',
            attempt.prompt && 'prompt',
            attempt.gate && 'gate output',
          ].filter(Boolean);
          printLine(`  #${attempt.n} ${files.join(', ')}  ${attempt.dir}`);
        }
      }
    });

  task
    .command('add')
    .description('add a task (audited before it enters the queue)')
    .option('--title <text>', 'title (required unless -f)')
    .option('--description <text>', 'what to build and why')
    .option('--step <text>', 'a step (repeatable, in order)', collect)
    .option('--depends-on <id>', 'a task that must be done first (repeatable)', collect)
    .option('--verify <command>', 'a command that must pass (repeatable)', collect)
    .option('--path <glob>', 'changed files must match (repeatable)', collect)
    .option('--priority <n>', 'higher runs first among ready tasks', '0')
    .option('--epic <id>', 'epic the task belongs to')
    .option('--id <id>', 'task id (default: from the title)')
    .option('--backend <name>', "the backend for this task instead of the run's")
    .option('--model <name>', "the model for this task's agent instead of the backend's")
    .option('-f, --file <task.json>', 'read the task (plan file format, one task or {tasks:[…]}) from a file')
    .option('--json', 'print the added task ids as JSON')
    .action(async (options: AddOptions) => {
      const root = await projectRoot();
      const inputs = options.file ? await tasksFromFile(options.file) : [await taskFromFlags(root, options)];
      const outcome = await writeTasks(root, { op: 'add', tasks: inputs });
      if (options.json) printJson({ added: inputs.map((input) => input.id) });
      else printLine(outcome.summary);
    });

  task
    .command('import')
    .description(
      'import a plan file ({"tasks": […]}; autodev task.json imports unchanged; Task Master tasks.json with --verify)',
    )
    .argument('<file>', 'the plan file')
    .addHelpText(
      'after',
      `\nThe plan file format, as a JSON Schema: ${templatesDir}/plan.schema.json\n\`nightshift task export\` writes the queue in this format.`,
    )
    .option('--append', 'add to the queue (default)')
    .option('--replace', 'replace the whole queue (a backup is taken first)')
    .option('--json', 'print what was imported as JSON')
    .option(
      '--verify <command>',
      "Task Master's tasks.json: a command every imported task must pass (repeatable)",
      collect,
    )
    .option(
      '--verify-map <file>',
      'Task Master: per-task commands, JSON {"3": ["npm test -- api"], "3.2": "pytest"}; others run --verify',
    )
    .option('--tag <name>', 'Task Master: the tag to import (default: master, or the only tag)')
    .action(
      async (
        file: string,
        options: {
          append?: boolean;
          replace?: boolean;
          json?: boolean;
          verify?: string[];
          verifyMap?: string;
          tag?: string;
        },
      ) => {
        if (options.append && options.replace) throw new UserError('choose one of --append and --replace');
        const root = await projectRoot();
        const text = await readText(file);
        const verifyMap = options.verifyMap
          ? parseVerifyMap(await readText(options.verifyMap), options.verifyMap)
          : undefined;
        // Task Master's tasks.json is recognised by its fields; see tasks/taskmaster.ts.
        const taskMaster = taskMasterFromText(text, file, options.verify ?? [], {
          ...(options.tag ? { tag: options.tag } : {}),
          ...(verifyMap ? { verifyMap } : {}),
        });
        if (!taskMaster && (options.verify || verifyMap || options.tag))
          throw new UserError(
            `--verify, --verify-map and --tag are for Task Master files; ${file} is a plan file, whose tasks carry their own verification`,
          );
        const plan = taskMaster ?? parsePlanFile(text, file);
        const outcome = await writeTasks(root, {
          op: 'add',
          tasks: plan.tasks,
          epics: plan.epics,
          replace: options.replace ?? false,
          ...('learning' in plan && plan.learning.length > 0 ? { learning: plan.learning } : {}),
        });
        if (options.json)
          printJson({
            imported: plan.tasks.map((t) => t.id),
            replaced: options.replace ?? false,
            backup: outcome.backup ?? null,
            ...(taskMaster ? { unmapped: taskMaster.unmapped } : {}),
          });
        else {
          printLine(`${outcome.summary} from ${file}`);
          if (outcome.backup) printLine(`backup of the previous queue: ${outcome.backup}`);
          for (const line of taskMaster?.unmapped ?? []) printLine(`could not map: ${line}`);
        }
      },
    );

  task
    .command('export')
    .description('print the queue as a plan file (or write it with -o)')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(async (options: { output?: string }) => {
      const state = await readState(await projectRoot());
      const text = formatPlanFile(state); // includes the learning journal
      if (options.output) {
        await writeFile(options.output, text);
        printLine(`wrote ${state.tasks.length} tasks to ${options.output}`);
      } else process.stdout.write(text);
    });

  task
    .command('next')
    .description('the task the engine would start next')
    .option('--json', 'print the task as JSON (null when none is ready)')
    .action(async (options: { json?: boolean }) => {
      const state = await readState(await projectRoot());
      const next = nextTask(state);
      if (options.json) return printJson(next ?? null);
      printLine(
        next
          ? `${next.id}  ${next.title}`
          : 'No task is ready (all done, running, blocked, or waiting on dependencies).',
      );
    });

  const simpleWrite = (name: string, description: string, build: (ids?: string[]) => TaskWrite): void => {
    task
      .command(name)
      .description(description)
      .option('--ids <ids>', 'comma-separated task ids (default: all that apply)')
      .action(async (options: { ids?: string }) => {
        const outcome = await writeTasks(await projectRoot(), build(parseIds(options.ids)));
        printLine(outcome.summary);
        if (outcome.backup) printLine(`backup: ${outcome.backup}`);
      });
  };
  simpleWrite('reset', 'put tasks back to pending (history kept)', (ids) => ({ op: 'reset', ids }));
  simpleWrite('retry', 'put blocked tasks back to pending (history kept)', (ids) => ({ op: 'retry', ids }));

  task
    .command('block')
    .description('block a task with a reason; the run goes on without it')
    .argument('<id>', 'task id')
    .argument('<reason...>', 'why')
    .action(async (id: string, reason: string[]) => {
      printLine(
        (await writeTasks(await projectRoot(), { op: 'block', id, reason: reason.join(' ') })).summary,
      );
    });

  registerTaskEdit(task, projectRoot);
  registerTaskDiff(task, projectRoot);

  const dep = task.command('dep').description('edit dependencies between tasks');
  dep
    .command('add')
    .description('make TASK depend on DEPENDENCY (cycles are refused)')
    .argument('<task>', 'the task that waits')
    .argument('<dependency>', 'the task that must be done first')
    .action(async (taskId: string, dependsOn: string) => {
      printLine((await writeTasks(await projectRoot(), { op: 'dep-add', taskId, dependsOn })).summary);
    });
  dep
    .command('rm')
    .description('remove the dependency of TASK on DEPENDENCY')
    .argument('<task>', 'the task that waits')
    .argument('<dependency>', 'the task it waited on')
    .action(async (taskId: string, dependsOn: string) => {
      printLine((await writeTasks(await projectRoot(), { op: 'dep-rm', taskId, dependsOn })).summary);
    });
}

/** The project root, after checking nightshift.toml: a broken config is reported before the queue is read or changed. */
async function projectRoot(): Promise<string> {
  const root = findProjectRoot();
  await loadConfig(root);
  return root;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? 'error'})`,
    );
  }
}

/** Tasks of a `-f` file: a plan file, or a single task object in plan-file (snake_case) form. */
async function tasksFromFile(file: string): Promise<TaskInput[]> {
  const text = await readText(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return parsePlanFile(text, file).tasks; // reports line and column
  }
  const isPlan = typeof parsed === 'object' && parsed !== null && 'tasks' in parsed;
  return parsePlanFile(isPlan ? text : JSON.stringify({ tasks: [parsed] }), file).tasks;
}

async function taskFromFlags(root: string, options: AddOptions): Promise<TaskInput> {
  if (!options.title)
    throw new UserError('task add needs --title (or -f FILE)', {
      hint: 'e.g. nightshift task add --title "Add login" --verify "npm test"',
    });
  const priority = Number(options.priority ?? '0');
  if (!Number.isInteger(priority))
    throw new UserError(`--priority must be an integer, got "${options.priority}"`);
  const now = new Date().toISOString();
  const id =
    options.id ??
    uniqueTaskId(
      slugifyTitle(options.title),
      (await readState(root)).tasks.map((t) => t.id),
    );
  return {
    id,
    title: options.title,
    description: options.description ?? '',
    epic: options.epic,
    priority,
    steps: options.step ?? [],
    dependsOn: options.dependsOn ?? [],
    verification: { commands: options.verify ?? [], pathPatterns: options.path ?? [], env: {} },
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.model ? { model: options.model } : {}),
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * The state for `task list`: a file in this version's format was checked by the Store that wrote
 * it, so it is shown as parsed (checking 10,000 tasks against the schema again costs more than
 * everything else the command does); an older one is migrated by opening the Store.
 */
async function readStateForList(root: string): Promise<State> {
  const state = await readStateForDisplay(root);
  return state.version === STATE_VERSION ? state : readState(root);
}
