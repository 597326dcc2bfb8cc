/**
 * Epochs (`run --epochs N`, DESIGN.md §1): when the queue is exhausted, the engine calls the
 * re-planner made here. It plans again from the recorded source (`state.plan`: the intent text, or
 * the file re-read now), with the queue's tasks and their statuses (done, blocked and why) and the
 * learning journal in the prompt, with --append semantics: new tasks only, audited against the
 * queue. Its tasks enter through the engine's own task-write path, so the engine stays the only
 * writer of the store. Adding nothing ends the run.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { UserError } from '../errors.js';
import type { ReplanContext } from '../engine/engine-deps.js';
import { recentLearnings } from '../tasks/learning.js';
import type { RunOptions } from '../config/run-options.js';
import type { ProjectPaths } from '../paths.js';
import type { PlanInfo } from '../store/schema.js';
import type { Store } from '../store/store.js';
import { commitSpec } from './enqueue.js';
import type { GivenSpec } from './plan-prompt.js';
import { planRounds } from './planner.js';
import { isSpecDocument, specPathFor } from './spec.js';

/** What the re-planner needs from the engine's process. */
export interface EpochDeps {
  readonly paths: ProjectPaths;
  readonly config: Config;
  readonly store: Store;
  readonly options: Pick<RunOptions, 'backend'>;
}

/** The engine's `replan` callback for this project. */
export function createEpochReplanner(deps: EpochDeps): (context: ReplanContext) => Promise<number> {
  return async (context) => {
    const { paths, config, store } = deps;
    const plan = store.state.plan;
    if (plan === undefined) {
      context.line(
        'warn',
        `epoch ${context.epoch}: no plan source is recorded (the queue was not made by \`nightshift plan\`), so there is nothing to re-plan from`,
      );
      return 0;
    }
    const input = await planInput(paths.root, plan);
    const note = [
      '',
      `(Epoch ${context.epoch}: the queue below was worked through. Plan only the tasks still missing to reach the goal above —`,
      'follow-ups, fixes for blocked work, gaps the learnings reveal. If nothing is missing, write a plan with an empty "tasks" list.)',
    ].join('\n');
    const outcome = await planRounds({
      root: paths.root,
      config,
      intent: `${input.intent}\n${note}`,
      specPath: input.specPath,
      givenSpec: input.givenSpec,
      // The run's backend plans unless [backend] plan names another.
      backend: config.backend.plan || deps.options.backend,
      existing: store.state.tasks,
      learnings: recentLearnings(store.state.learning),
      runId: `epoch-${context.epoch}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')}`,
      stopped: context.stopped,
      onProgress: (progress) => {
        if (progress.kind === 'round') context.line('info', `epoch ${context.epoch}: ${progress.text}`);
        else if (progress.kind !== 'agent')
          context.line('warn', `epoch ${context.epoch}: ${progress.kind}: ${progress.text}`);
      },
    });
    if (context.stopped()) return 0;
    if (!outcome.ok || outcome.plan === undefined) {
      throw new UserError(
        `the plan did not pass the audit after ${outcome.roundsUsed} rounds: ${outcome.problems.join('; ')} (logs: ${outcome.logDir})`,
      );
    }
    if (outcome.plan.tasks.length === 0) return 0;
    const { summary } = await context.addTasks({
      op: 'add',
      tasks: outcome.plan.tasks,
      epics: outcome.plan.epics,
    });
    context.line('info', `epoch ${context.epoch}: ${summary}`);
    // Tasks' worktrees start from the integration branch: a spec they read must be committed.
    await commitSpec(
      paths.root,
      input.specPath,
      `nightshift(plan): spec ${path.basename(input.specPath)} (epoch ${context.epoch})`,
    );
    return outcome.plan.tasks.length;
  };
}

/** The intent (and spec) to plan from, from the recorded source. */
async function planInput(
  root: string,
  plan: PlanInfo,
): Promise<{ intent: string; specPath: string; givenSpec?: GivenSpec }> {
  let intent = plan.source;
  if (plan.sourceKind === 'file') {
    const file = path.resolve(root, plan.source);
    if (!existsSync(file))
      throw new UserError(`the plan's source ${plan.source} is gone, so epochs cannot re-plan from it`, {
        hint: 'plan again with `nightshift plan -f FILE`',
      });
    intent = await readFile(file, 'utf8');
    if (isSpecDocument(file, intent)) {
      const relative = path.relative(root, file);
      return {
        intent: `Plan the work the spec \`${relative}\` describes.`,
        specPath: relative,
        givenSpec: { path: relative, text: intent, origin: 'given by the user' },
      };
    }
  }
  const specPath = plan.specPath ?? specPathFor(intent);
  const specFile = path.join(root, specPath);
  // The first plan's spec is the reference for later epochs; the planner plans from it.
  const givenSpec = existsSync(specFile)
    ? { path: specPath, text: await readFile(specFile, 'utf8'), origin: 'the spec of the first plan' }
    : undefined;
  return { intent, specPath, givenSpec };
}
