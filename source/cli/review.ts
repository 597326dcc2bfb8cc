/**
 * `nightshift review`: the quality score of recent attempts (the zero-cost check after every gate)
 * and the review agent's findings from `.nightshift/reviews.jsonl` (review/review-loop.ts).
 */
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { projectPaths } from '../paths.js';
import { readStateForDisplay } from '../store/read-state.js';
import type { Quality } from '../tasks/model.js';
import { printJson, printLine } from './output.js';
import { findProjectRoot } from './project.js';

/** Scored attempts shown. */
const ATTEMPTS_SHOWN = 20;

/** One scored attempt as `review --json` prints it. */
interface ScoredAttempt {
  readonly taskId: string;
  readonly attempt: number;
  readonly outcome: string;
  readonly endedAt?: string;
  readonly quality: Quality;
}

interface ReviewOptions {
  readonly last: string;
  readonly json?: boolean;
  readonly addTasks?: boolean;
  readonly severity: string;
  readonly verify?: string[];
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Registers `review`. */
export function registerReview(program: Command): void {
  program
    .command('review')
    .description("quality scores of recent attempts and the review agent's findings")
    .option('--last <n>', 'reviews to show', '5')
    .option('--json', 'print {reviews, attempts} as JSON')
    .option('--add-tasks', "turn the shown reviews' findings into follow-up tasks (audited, like task add)")
    .option('--severity <level>', 'with --add-tasks: the lowest severity taken (high, medium, low)', 'medium')
    .option(
      '--verify <command>',
      "with --add-tasks: the new tasks' check (default: the reviewed task's)",
      collect,
    )
    .addHelpText(
      'after',
      '\nA review agent runs every [review] every attempts (nightshift.toml), or sooner when the quality score drops; --yolo runs skip it.',
    )
    .action(async (options: ReviewOptions) => {
      const last = Number(options.last);
      if (!Number.isInteger(last) || last < 1)
        throw new UserError(`--last must be a whole number ≥ 1, got "${options.last}"`);
      const root = findProjectRoot();
      const { formatFinding, readReviews } = await import('../review/review-log.js');
      if (options.addTasks) {
        const severity = options.severity;
        if (severity !== 'high' && severity !== 'medium' && severity !== 'low')
          throw new UserError(`--severity must be high, medium or low, got "${severity}"`);
        const reviews = (await readReviews(projectPaths(root))).slice(-last);
        const { addReviewTasks } = await import('./review-tasks.js');
        const result = await addReviewTasks(root, reviews, {
          minSeverity: severity,
          verify: options.verify ?? [],
        });
        if (options.json) return printJson(result);
        printLine(result.summary);
        return;
      }
      const [state, allReviews] = await Promise.all([
        readStateForDisplay(root),
        readReviews(projectPaths(root)),
      ]);
      const reviews = allReviews.slice(-last);
      const attempts: ScoredAttempt[] = state.tasks
        .flatMap((task) =>
          task.attempts.flatMap((a) =>
            a.quality
              ? [
                  {
                    taskId: task.id,
                    attempt: a.n,
                    outcome: a.outcome,
                    ...(a.endedAt && { endedAt: a.endedAt }),
                    quality: a.quality,
                  },
                ]
              : [],
          ),
        )
        .sort((a, b) => (a.endedAt ?? '').localeCompare(b.endedAt ?? ''))
        .slice(-ATTEMPTS_SHOWN);
      if (options.json) return printJson({ reviews, attempts });

      if (attempts.length === 0)
        printLine('No scored attempts yet: every attempt that reaches the gate gets a quality score.');
      else {
        printLine(
          `Quality of the last ${attempts.length} scored attempt${attempts.length === 1 ? '' : 's'}:`,
        );
        for (const a of attempts) {
          const off = a.quality.reasons.filter((reason) => reason.startsWith('-')).join('; ');
          printLine(
            `  ${String(a.quality.score).padStart(3)}/100  ${a.taskId} #${a.attempt} ${a.outcome}  +${a.quality.insertions}/-${a.quality.deletions} in ${a.quality.files} file(s)${off ? `  ${off}` : ''}`,
          );
        }
        const mean = attempts.reduce((sum, a) => sum + a.quality.score, 0) / attempts.length;
        printLine(`  mean ${mean.toFixed(0)}/100`);
      }
      printLine('');
      if (reviews.length === 0) {
        printLine('No reviews yet.');
        return;
      }
      printLine(`Reviews (${reviews.length} of ${allReviews.length}):`);
      for (const review of reviews) {
        const covered = review.attempts.map((a) => `${a.taskId}#${a.attempt}`).join(', ');
        printLine(
          `  ${review.at}  ${review.verdict}  (${review.trigger === 'every' ? 'scheduled' : 'score drop'}; ${covered || 'no attempts'})`,
        );
        if (review.summary) printLine(`    ${review.summary}`);
        for (const finding of review.findings) printLine(`    ${formatFinding(finding)}`);
      }
    });
}
