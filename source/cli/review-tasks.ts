/**
 * `nightshift review --add-tasks`: the review agent's findings become follow-up tasks, through the
 * same audited write as `task add` (and through the engine while one runs). A finding's task keeps
 * the verification of the task it is about, unless `--verify` gives one.
 */
import { UserError } from '../errors.js';
import { readState, writeTasks } from '../ipc/task-access.js';
import type { ReviewEntry, ReviewFinding, Severity } from '../review/review-log.js';
import type { TaskInput } from '../tasks/model.js';
import { slugifyTitle, uniqueTaskId } from '../tasks/task-id.js';

const RANK: Record<Severity, number> = { high: 3, medium: 2, low: 1 };

/** What `--add-tasks` did. */
export interface AddedFromReview {
  readonly added: readonly string[];
  /** Findings already in the queue as a task with the same title. */
  readonly skipped: readonly string[];
  readonly summary: string;
}

/** Turns the findings of `reviews` at or above `minSeverity` into tasks. */
export async function addReviewTasks(
  root: string,
  reviews: readonly ReviewEntry[],
  options: { readonly minSeverity: Severity; readonly verify: readonly string[] },
): Promise<AddedFromReview> {
  const state = await readState(root);
  const taken = state.tasks.map((task) => task.id);
  const titles = new Set(state.tasks.map((task) => task.title));
  const inputs: TaskInput[] = [];
  const skipped: string[] = [];
  const findings = reviews.flatMap((review) => review.findings);
  for (const finding of findings) {
    if (RANK[finding.severity] < RANK[options.minSeverity]) continue;
    const title = `Review: ${finding.message}`.replace(/\s+/g, ' ').slice(0, 100);
    if (titles.has(title)) {
      skipped.push(title);
      continue;
    }
    const about = finding.taskId ? state.tasks.find((task) => task.id === finding.taskId) : undefined;
    const commands = options.verify.length > 0 ? options.verify : (about?.verification.commands ?? []);
    if (commands.length === 0)
      throw new UserError(`review finding "${finding.message}" names no task whose checks it could reuse`, {
        hint: 'give the follow-up tasks a check: nightshift review --add-tasks --verify "npm test"',
      });
    const id = uniqueTaskId(`review-${slugifyTitle(finding.message)}`.slice(0, 48), [
      ...taken,
      ...inputs.map((input) => input.id),
    ]);
    titles.add(title);
    inputs.push(findingTask(id, title, finding, commands, about?.id));
  }
  if (inputs.length === 0)
    return {
      added: [],
      skipped,
      summary:
        findings.length === 0
          ? 'no review findings to turn into tasks'
          : `no new follow-up tasks (${skipped.length} already queued, the rest below --severity ${options.minSeverity})`,
    };
  const outcome = await writeTasks(root, { op: 'add', tasks: inputs });
  return { added: inputs.map((input) => input.id), skipped, summary: outcome.summary };
}

function findingTask(
  id: string,
  title: string,
  finding: ReviewFinding,
  commands: readonly string[],
  aboutTask: string | undefined,
): TaskInput {
  const where = finding.file ? ` in ${finding.file}` : '';
  return {
    id,
    title,
    description: `A review found (${finding.severity})${where}${aboutTask ? `, in the work of task ${aboutTask}` : ''}: ${finding.message}\n\nSuggested fix: ${finding.fix}`,
    priority: RANK[finding.severity],
    steps: [finding.fix || `address: ${finding.message}`],
    dependsOn: [],
    verification: { commands: [...commands], pathPatterns: [], env: {} },
  };
}
