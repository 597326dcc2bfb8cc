/**
 * The review loop (DESIGN.md §1, the "quality review every few sessions" of the API-first peer):
 * after every attempt the zero-cost quality check (assess.ts); every `[review] every` attempts, or
 * sooner when the rolling score falls by more than `[review] score_drop`, a review agent (role
 * `review`, templates/prompts/review.md, on the backend and model of the task whose attempt made it due)
 * reads what landed since the last review
 * in a worktree of its own. Its findings go to `.nightshift/reviews.jsonl`, and the serious ones
 * into the learning journal as `review: …` lessons, which the next prompts show. `--yolo` skips the
 * agent; the quality check still runs.
 *
 * The review runs inside the attempt that triggered it (the engine waits for it like for
 * reflection), so a run never ends with a review half done; reviews never overlap.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runAgent } from '../attempt/agent-run.js';
import { depsForTask } from '../attempt/attempt.js';
import type { AttemptContext, AttemptDeps, AttemptResult } from '../attempt/types.js';
import { diffText, revParse } from '../git/git.js';
import { attemptLogPaths } from '../history/history.js';
import { oneLine } from '../text.js';
import { bulletList, loadPrompt, renderTemplate, truncateMiddle } from '../attempt/prompts.js';
import { createWorktree, removeWorktree, type Worktree } from '../git/worktree.js';
import { errorMessage } from '../errors.js';
import { recordQuality } from './assess.js';
import {
  appendReview,
  formatFinding,
  parseReview,
  type ReviewEntry,
  type ReviewFinding,
  type ReviewTrigger,
} from './review-log.js';

/** Scores averaged for the "rolling" score, and the fewest earlier scores to compare them with. */
const ROLLING_WINDOW = 3;
/** Findings turned into journal lessons per review, so a review cannot crowd out every other lesson. */
const MAX_LESSONS_PER_REVIEW = 3;
/** The pseudo task id of review worktrees (branch `nightshift/_review`; task ids cannot start with `_`). */
const REVIEW_WORKTREE_ID = '_review';

/** An attempt waiting for the next review. */
interface Reviewed {
  readonly taskId: string;
  readonly title: string;
  readonly attempt: number;
  readonly outcome: string;
  readonly summary: string;
  readonly score?: number;
  readonly checks: AttemptResult['checks'];
}

/** The review loop of one run. */
export interface ReviewLoop {
  /** Records the attempt's quality and runs a review when one is due. Never throws. */
  readonly afterAttempt: (
    context: AttemptContext,
    worktree: Worktree,
    result: AttemptResult,
  ) => Promise<void>;
}

/** Why a review is due now, or undefined. Pure; exported for tests. */
export function reviewDue(
  settings: { every: number; scoreDrop: number },
  sinceReview: number,
  scores: readonly number[],
): ReviewTrigger | undefined {
  if (settings.every <= 0) return undefined;
  if (sinceReview >= settings.every) return 'every';
  if (sinceReview === 0 || scores.length < ROLLING_WINDOW * 2) return undefined;
  const recent = mean(scores.slice(-ROLLING_WINDOW));
  const before = mean(scores.slice(0, -ROLLING_WINDOW));
  return before - recent > settings.scoreDrop ? 'score-drop' : undefined;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
}

/** The review loop for a run with these attempt deps. */
export function createReviewLoop(deps: AttemptDeps): ReviewLoop {
  const settings = { every: deps.config.review.every, scoreDrop: deps.config.review.score_drop };
  // The first review reads what landed since the run started.
  let lastHead: Promise<string | undefined> = revParse(deps.paths.root, deps.integrationBranch).catch(
    () => undefined,
  );
  let pending: Reviewed[] = [];
  let scores: number[] = [];
  let reviewing = false;
  let reviews = 0;

  const review = async (trigger: ReviewTrigger, context: AttemptContext): Promise<void> => {
    const { handle } = context;
    const covered = pending;
    pending = [];
    const head = await revParse(deps.paths.root, deps.integrationBranch);
    const base = (await lastHead) ?? head;
    lastHead = Promise.resolve(head);
    const diff = base === head ? '' : await diffText(deps.paths.root, base, head);
    if (diff === '' && trigger === 'every') {
      handle.line('info', `review skipped: nothing landed since the last one`);
      return;
    }
    const n = ++reviews;
    handle.line(
      'info',
      `review ${n} (${trigger === 'every' ? `after ${covered.length} attempts` : 'the quality score dropped'}): a review agent reads the landed work`,
    );
    const worktree = await createWorktree(deps.paths.root, REVIEW_WORKTREE_ID, n, {
      baseRef: head,
      links: ['node_modules'],
    });
    let entry: ReviewEntry;
    try {
      const prompt = await reviewPrompt(deps, context, covered, diff);
      const logs = attemptLogPaths(deps.paths, context.runId, context.task.id, context.attempt);
      const agent = await runAgent(
        depsForTask(deps, context.task),
        context,
        worktree,
        logs,
        prompt,
        'review',
      );
      const answer = parseReview(agent.finalText);
      const common = {
        at: new Date().toISOString(),
        runId: context.runId,
        trigger,
        attempts: covered.map(({ taskId, attempt, outcome, score }) => ({
          taskId,
          attempt,
          outcome,
          ...(score !== undefined && { score }),
        })),
        base,
        head,
      };
      entry = answer
        ? { ...common, ...answer }
        : {
            ...common,
            verdict: 'unparsed',
            summary: `the review agent gave no review JSON (${agent.ok ? 'exited' : `failed: ${oneLine(agent.finalText, 200)}`})`,
            findings: [],
          };
    } finally {
      await removeWorktree(deps.paths.root, worktree.path).catch(() => undefined);
    }
    await appendReview(deps.paths, entry);
    for (const finding of lessons(entry.findings)) handle.addLearning(`review: ${formatFinding(finding)}`);
    const level = entry.verdict === 'ok' ? 'info' : 'warn';
    handle.line(
      level,
      `review ${n}: ${entry.verdict}${entry.summary ? ` — ${oneLine(entry.summary, 200)}` : ''} (${entry.findings.length} finding${entry.findings.length === 1 ? '' : 's'})`,
    );
  };

  return {
    afterAttempt: async (context, worktree, result) => {
      const { task, handle } = context;
      const quality = await recordQuality(worktree, task, result, handle);
      if (result.outcome === 'interrupted' || handle.stopped()) return;
      pending.push({
        taskId: task.id,
        title: task.title,
        attempt: context.attempt,
        outcome: result.outcome,
        summary: result.summary,
        checks: result.checks,
        ...(quality && { score: quality.score }),
      });
      if (quality) scores.push(quality.score);
      const trigger = reviewDue(settings, pending.length, scores);
      if (trigger === undefined || deps.options.yolo || reviewing) return;
      reviewing = true;
      // Scores before a review are its business; the next drop is measured from here.
      if (trigger === 'score-drop') scores = scores.slice(-ROLLING_WINDOW);
      try {
        await review(trigger, context);
      } catch (error) {
        handle.line('warn', `review failed: ${errorMessage(error)}`);
      } finally {
        reviewing = false;
      }
    },
  };
}

/** High findings first, then medium; low ones are logged but not fed to prompts. */
function lessons(findings: readonly ReviewFinding[]): ReviewFinding[] {
  const rank = { high: 0, medium: 1, low: 2 } as const;
  return findings
    .filter((finding) => finding.severity !== 'low')
    .sort((a, b) => rank[a.severity] - rank[b.severity])
    .slice(0, MAX_LESSONS_PER_REVIEW);
}

async function reviewPrompt(
  deps: AttemptDeps,
  context: AttemptContext,
  covered: readonly Reviewed[],
  diff: string,
): Promise<string> {
  const template = await loadPrompt('review', deps.paths.root);
  const rulesPath = path.join(deps.paths.root, 'AGENT.md');
  const tasksDone = covered
    .filter((attempt) => attempt.outcome === 'passed')
    .map((attempt) => `${attempt.taskId} — ${attempt.title}: ${oneLine(attempt.summary, 200)}`);
  const gateOutput = covered.map((attempt) => {
    const checks = attempt.checks
      .map(
        (check) =>
          `${check.passed ? 'pass' : 'fail'} ${check.name} (${(check.durationMs / 1000).toFixed(1)} s)`,
      )
      .join('; ');
    return `${attempt.taskId} attempt ${attempt.attempt} (${attempt.outcome}${attempt.score !== undefined ? `, quality ${attempt.score}/100` : ''}): ${checks || 'no checks ran'}`;
  });
  return renderTemplate(template.text, {
    project_name: deps.config.project.name,
    agent_rules: existsSync(rulesPath) ? (await readFile(rulesPath, 'utf8')).trim() : '',
    learnings: bulletList(context.learnings.map((text) => oneLine(text, 400)).slice(-10)),
    tasks_done: bulletList(tasksDone),
    diff: truncateMiddle(diff, 400, 30_000),
    gate_output: gateOutput.join('\n'),
  });
}
