/**
 * `nightshift plan`: the planner agent turns an intent, a document or stdin into a spec and an
 * audited plan in the queue (DESIGN.md §1, §5). The work is in plan/; this file reads the input,
 * shows progress and prints the summary.
 */
import { readFile } from 'node:fs/promises';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { UserError } from '../errors.js';
import { recentLearnings } from '../tasks/learning.js';
import { Store } from '../store/store.js';
import type { PlanInfo } from '../store/schema.js';
import { enqueuePlan } from '../plan/enqueue.js';
import type { GivenSpec } from '../plan/plan-prompt.js';
import { DEFAULT_PLAN_ROUNDS, planRounds, type PlanProgress } from '../plan/planner.js';
import { SPECS_DIR, isSpecDocument, specPathFor } from '../plan/spec.js';
import { findProjectRoot } from './project.js';
import { printJson } from './output.js';

interface PlanCliOptions {
  readonly intent?: string;
  readonly file?: string;
  readonly backend?: string;
  readonly specOnly?: boolean;
  readonly append?: boolean;
  readonly replace?: boolean;
  readonly rounds?: string;
  readonly json?: boolean;
}

/** What the planner plans from, and how it is recorded for later epochs. */
interface PlanInput {
  readonly intent: string;
  readonly specPath: string;
  readonly givenSpec?: GivenSpec;
  readonly source: Pick<PlanInfo, 'source' | 'sourceKind'>;
}

/** Registers `plan`. */
export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('the planner agent writes a spec and an audited plan into the queue')
    .option('--intent <text>', 'what you want built')
    .option(
      '-f, --file <file>',
      'a document to plan from; a Markdown spec (a "# " title, "## Goal" and "## Acceptance criteria" sections) is used as the spec as it is',
    )
    .option('--backend <name>', 'planner backend (default: [backend] plan, else [backend] default)')
    .option('--spec-only', 'stop after the spec: write docs/specs/<slug>.md and nothing else')
    .option('--append', 'add the planned tasks to the queue (default)')
    .option('--replace', 'the planned tasks replace the queue (a backup is taken first)')
    .option(
      '--rounds <n>',
      `planner rounds at most: audit errors go back to the planner (default ${DEFAULT_PLAN_ROUNDS})`,
    )
    .option('--json', 'print the outcome as JSON (progress goes to stderr)')
    .addHelpText(
      'after',
      '\nWithout --intent or -f, the intent is read from stdin.\nExit codes: 0 planned, 1 error or a plan still failing the audit after the last round (nothing enters the queue).\n\nExamples:\n  nightshift plan --intent "A FastAPI todo service with SQLite and tests"\n  nightshift plan -f docs/specs/todo.md --replace\n  echo "Add a /health endpoint" | nightshift plan --backend sim',
    )
    .action(async (options: PlanCliOptions) => {
      process.exitCode = await planCommand(options);
    });
}

async function planCommand(options: PlanCliOptions): Promise<number> {
  if (options.append && options.replace) throw new UserError('choose one of --append and --replace');
  if (options.intent !== undefined && options.file !== undefined)
    throw new UserError('choose one of --intent and -f FILE');
  const rounds = options.rounds === undefined ? DEFAULT_PLAN_ROUNDS : Number(options.rounds);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new UserError(`--rounds must be a whole number ≥ 1, got "${options.rounds}"`);
  const root = findProjectRoot();
  const config = await loadConfig(root);
  const store = await Store.open(root);
  const state = store.state;
  const input = await readInput(root, options);
  const replace = options.replace ?? false;
  const say = (text: string): void => {
    (options.json ? process.stderr : process.stdout).write(`${text}\n`);
  };

  const outcome = await planRounds({
    root,
    config,
    intent: input.intent,
    specPath: input.specPath,
    givenSpec: input.givenSpec,
    backend: options.backend,
    existing: replace ? [] : state.tasks,
    learnings: recentLearnings(state.learning),
    rounds,
    specOnly: options.specOnly ?? false,
    onProgress: (progress: PlanProgress) => say(progressLine(progress)),
  });
  if (!outcome.ok) {
    throw new UserError(
      `${options.specOnly ? 'the spec was' : 'the plan was'} still not right after ${outcome.roundsUsed} round${outcome.roundsUsed === 1 ? '' : 's'}; nothing entered the queue:\n${outcome.problems.map((p) => `  - ${p}`).join('\n')}`,
      {
        hint: `the planner's logs and prompts are in ${outcome.logDir}; run again with more --rounds, or fix .nightshift/plan.json and \`nightshift task import .nightshift/plan.json\``,
      },
    );
  }
  if (options.specOnly || !outcome.plan) {
    if (options.json)
      printJson({
        ok: true,
        specOnly: true,
        spec: outcome.specPath,
        backend: outcome.backend,
        rounds: outcome.roundsUsed,
      });
    else
      say(
        `spec written: ${outcome.specPath} (${outcome.backend}, round ${outcome.roundsUsed}); plan from it with \`nightshift plan -f ${outcome.specPath}\``,
      );
    return 0;
  }
  const plan = outcome.plan;
  const result = await enqueuePlan({ root, plan, replace, specPath: outcome.specPath, source: input.source });
  if (options.json) {
    printJson({
      ok: true,
      backend: outcome.backend,
      rounds: outcome.roundsUsed,
      spec: outcome.specPath,
      tasks: plan.tasks.map((task) => task.id),
      epics: plan.epics.map((epic) => epic.id),
      replaced: replace,
      backup: result.backup ?? null,
      commit: result.commit ?? null,
      summary: result.summary,
      warnings: outcome.warnings,
      costUsd: outcome.costUsd,
    });
    return 0;
  }
  say(`plan: ${result.summary} (${outcome.backend}, round ${outcome.roundsUsed} of ${rounds})`);
  if (plan.epics.length > 0)
    say(`epics: ${plan.epics.map((epic) => `${epic.id} (${epic.title})`).join(', ')}`);
  say(`spec: ${outcome.specPath}${result.commit ? ` (HEAD ${result.commit.slice(0, 8)})` : ''}`);
  if (result.backup) say(`backup of the previous queue: ${result.backup}`);
  if (!result.recorded)
    say(
      'note: an engine is running, so the plan went in through it and its source was not recorded for epochs',
    );
  say('next: `nightshift task list`, then `nightshift run`');
  return 0;
}

function progressLine(progress: PlanProgress): string {
  switch (progress.kind) {
    case 'round':
      return progress.text;
    case 'agent':
      return `  ${progress.text}`;
    case 'problem':
      return `  problem: ${progress.text}`;
    case 'warning':
      return `  warning: ${progress.text}`;
    default: {
      const never: never = progress.kind;
      return String(never);
    }
  }
}

/** The intent from --intent, -f or stdin; a `-f` spec is planned from as it is. */
async function readInput(root: string, options: PlanCliOptions): Promise<PlanInput> {
  if (options.intent !== undefined) {
    if (options.intent.trim() === '') throw new UserError('--intent is empty: say what you want built');
    return {
      intent: options.intent,
      specPath: specPathFor(options.intent),
      source: { source: options.intent, sourceKind: 'intent' },
    };
  }
  if (options.file !== undefined) {
    const absolute = path.resolve(options.file);
    let text: string;
    try {
      text = await readFile(absolute, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UserError(
        code === 'ENOENT'
          ? `${options.file}: no such file`
          : `${options.file}: cannot read (${code ?? 'error'})`,
      );
    }
    if (text.trim() === '') throw new UserError(`${options.file} is empty: nothing to plan from`);
    const relative = path.relative(root, absolute);
    const inside = !relative.startsWith('..') && !path.isAbsolute(relative);
    const source = { source: inside ? relative : absolute, sourceKind: 'file' as const };
    if (!isSpecDocument(absolute, text)) return { intent: text, specPath: specPathFor(text), source };
    // A spec outside the repository is copied in, so tasks (in worktrees) can read it.
    let specPath = relative;
    if (!inside) {
      specPath = path.posix.join(SPECS_DIR, path.basename(absolute));
      await mkdir(path.join(root, SPECS_DIR), { recursive: true });
      await copyFile(absolute, path.join(root, specPath));
    }
    return {
      intent: `Plan the work the spec \`${specPath}\` describes.`,
      specPath,
      givenSpec: { path: specPath, text, origin: 'given by the user' },
      source: { source: specPath, sourceKind: 'file' },
    };
  }
  if (process.stdin.isTTY) {
    throw new UserError('say what to plan: --intent TEXT, -f FILE, or the intent on stdin', {
      hint: 'e.g. nightshift plan --intent "A CLI that counts words"',
    });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '')
    throw new UserError('stdin was empty: say what to plan with --intent TEXT, -f FILE, or on stdin');
  return { intent: text, specPath: specPathFor(text), source: { source: text, sourceKind: 'stdin' } };
}
