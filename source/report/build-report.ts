/**
 * The night at a glance (`nightshift report`): for one run (or every attempt since a time), each
 * task's outcome, attempts, time, tokens, cost and commit; the check that blocked it with the lines
 * of its output that matter; policy denials and questions nobody answered; totals; and what needs a
 * person, each with the command that acts on it. Built from the store and the attempts' files only,
 * so it reads the same whether an engine runs or not.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { ProjectPaths } from '../paths.js';
import type { RegressionCaught } from '../protocol/types.js';
import type { RunRecord, State } from '../store/schema.js';
import type { Attempt, Task } from '../tasks/model.js';

/** Where a task stands after the run, in the words the report uses. */
export type TaskOutcome =
  'landed' | 'blocked' | 'waiting to land' | 'waiting for input' | 'pending' | 'running';

/** The check that failed last, with the lines of its output worth reading. */
export interface BlockingCheck {
  readonly name: string;
  readonly lines: readonly string[];
}

/** One task's part in the report. */
export interface TaskReport {
  readonly id: string;
  readonly title: string;
  readonly status: Task['status'];
  readonly outcome: TaskOutcome;
  readonly attempts: number;
  readonly durationMs: number;
  readonly tokensIn: number;
  readonly tokensOut: number;
  readonly costUsd: number;
  readonly commit?: string;
  readonly blockReason?: string;
  readonly blockingCheck?: BlockingCheck;
  /** Commands the policy denied, `command (reason)`. */
  readonly denials: readonly string[];
  /** Questions the agent asked that nobody answered. */
  readonly questions: readonly string[];
  /** The last attempt's one-line summary. */
  readonly summary: string;
}

/** Something a person should do in the morning, and the command that does it. */
export interface NeedsYou {
  readonly taskId: string;
  readonly what: string;
  readonly command: string;
}

/** The whole report. */
export interface Report {
  /** The run reported on; absent when the report covers attempts since a time. */
  readonly run?: RunRecord;
  readonly since?: string;
  readonly tasks: readonly TaskReport[];
  readonly totals: {
    readonly tasks: number;
    readonly landed: number;
    readonly blocked: number;
    readonly attempts: number;
    readonly durationMs: number;
    readonly tokensIn: number;
    readonly tokensOut: number;
    readonly costUsd: number;
  };
  readonly needsYou: readonly NeedsYou[];
  /** Tasks still pending that no attempt of this run touched (a budget or --max-tasks stop leaves these). */
  readonly notStarted: readonly string[];
  /** Run-level warnings and errors of the run (a cost limit, an outage pause), oldest first. */
  readonly runLines: readonly string[];
  /** Done tasks regression workers found broken and reopened, oldest first. */
  readonly regressions: readonly RegressionCaught[];
}

/** Which attempts a report covers: one run's (the newest when neither is given), or all since a time. */
export interface ReportScope {
  readonly runId?: string;
  readonly since?: Date;
}

/** Lines of a failing check's output kept in the report. */
const MAX_CHECK_LINES = 8;

/** Builds the report of `scope` from the state and the attempts' files. */
export function buildReport(
  state: State,
  paths: Pick<ProjectPaths, 'logs' | 'events'>,
  scope: ReportScope = {},
): Report {
  const run =
    scope.since === undefined
      ? scope.runId === undefined
        ? state.runs.at(-1)
        : state.runs.find((candidate) => candidate.id === scope.runId)
      : undefined;
  const since = scope.since?.getTime();
  const inScope = (attempt: Attempt): boolean =>
    since === undefined ? attempt.runId === run?.id : Date.parse(attempt.startedAt) >= since;

  const tasks: TaskReport[] = [];
  for (const task of state.tasks) {
    const attempts = task.attempts.filter(inScope);
    if (attempts.length === 0) continue;
    tasks.push(taskReport(task, attempts, paths));
  }
  const sum = (value: (task: TaskReport) => number): number =>
    tasks.reduce((total, t) => total + value(t), 0);
  return {
    ...(run === undefined ? {} : { run }),
    ...(scope.since === undefined ? {} : { since: scope.since.toISOString() }),
    tasks,
    totals: {
      tasks: tasks.length,
      landed: tasks.filter((t) => t.outcome === 'landed').length,
      blocked: tasks.filter((t) => t.outcome === 'blocked').length,
      attempts: sum((t) => t.attempts),
      durationMs: sum((t) => t.durationMs),
      tokensIn: sum((t) => t.tokensIn),
      tokensOut: sum((t) => t.tokensOut),
      costUsd: sum((t) => t.costUsd),
    },
    needsYou: needsYou(tasks),
    notStarted: state.tasks
      .filter((task) => task.status === 'pending' && !tasks.some((reported) => reported.id === task.id))
      .map((task) => task.id),
    runLines: runLines(paths, run?.startedAt ?? scope.since?.toISOString(), run?.endedAt),
    regressions:
      since === undefined
        ? (run?.regressions ?? [])
        : state.runs.flatMap((r) => (r.regressions ?? []).filter((caught) => Date.parse(caught.at) >= since)),
  };
}

/** Warn and error lines without a task in `events.jsonl` between `from` and `to` (ISO times). */
function runLines(
  paths: Pick<ProjectPaths, 'events'>,
  from: string | undefined,
  to: string | undefined,
): string[] {
  if (from === undefined) return [];
  const start = Date.parse(from);
  // The run's last lines are written just after its end time is taken.
  const end = to === undefined ? Infinity : Date.parse(to) + 5000;
  const lines: string[] = [];
  for (const record of readJsonLines(paths.events)) {
    const at = typeof record['at'] === 'string' ? Date.parse(record['at']) : NaN;
    if (!(at >= start && at <= end) || record['taskId'] !== undefined) continue;
    if ((record['level'] === 'warn' || record['level'] === 'error') && typeof record['message'] === 'string')
      lines.push(record['message']);
  }
  return [...new Set(lines)];
}

function taskReport(task: Task, attempts: readonly Attempt[], paths: Pick<ProjectPaths, 'logs'>): TaskReport {
  const last = attempts.at(-1);
  const landedCommit = [...attempts].reverse().find((attempt) => attempt.outcome === 'passed')?.commit;
  const asked = attempts.map((attempt) => unansweredQuestions(paths, task.id, attempt));
  const questions = asked.flat();
  const lastQuestions = asked.at(-1) ?? [];
  const failed = [...attempts].reverse().find((attempt) => attempt.checks.some((check) => !check.passed));
  const failedCheck = failed?.checks.find((check) => !check.passed);
  const outcome: TaskOutcome =
    task.status === 'done'
      ? 'landed'
      : task.status === 'blocked'
        ? 'blocked'
        : task.status === 'running' || task.status === 'verifying'
          ? lastQuestions.length > 0 && last?.outcome === 'running'
            ? 'waiting for input'
            : 'running'
          : last?.outcome === 'passed' && last.commit !== undefined
            ? 'waiting to land'
            : lastQuestions.length > 0
              ? 'waiting for input'
              : 'pending';
  return {
    id: task.id,
    title: task.title,
    status: task.status,
    outcome,
    attempts: attempts.length,
    durationMs: attempts.reduce((total, attempt) => total + attemptMs(attempt), 0),
    tokensIn: attempts.reduce((total, attempt) => total + attempt.tokensIn, 0),
    tokensOut: attempts.reduce((total, attempt) => total + attempt.tokensOut, 0),
    costUsd: attempts.reduce((total, attempt) => total + attempt.costUsd, 0),
    ...(outcome === 'landed' && (landedCommit ?? last?.commit)
      ? { commit: landedCommit ?? last?.commit }
      : outcome === 'waiting to land' && last?.commit
        ? { commit: last.commit }
        : {}),
    ...(task.blockReason === undefined ? {} : { blockReason: task.blockReason }),
    ...(failedCheck !== undefined && outcome !== 'landed'
      ? { blockingCheck: { name: failedCheck.name, lines: relevantLines(failedCheck.detail) } }
      : {}),
    denials: attempts.flatMap((attempt) => attemptDenials(paths, task.id, attempt)),
    questions: outcome === 'landed' ? [] : [...new Set(questions)],
    summary: last?.summary ?? '',
  };
}

function attemptMs(attempt: Attempt): number {
  if (attempt.endedAt === undefined) return 0;
  return Math.max(0, Date.parse(attempt.endedAt) - Date.parse(attempt.startedAt));
}

/**
 * The lines of a failing check's output a person needs: lines that name an error or a failure
 * first, then the last lines, at most MAX_CHECK_LINES, in their order.
 */
export function relevantLines(detail: string, max = MAX_CHECK_LINES): string[] {
  const lines = detail
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '');
  if (lines.length <= max) return lines;
  const telling = /error|fail|assert|expected|exception|not ok|✗|×|cannot|denied|timed out/i;
  const picked = new Set<number>();
  lines.forEach((line, index) => {
    if (picked.size < max - 2 && telling.test(line)) picked.add(index);
  });
  for (let index = lines.length - 1; index >= 0 && picked.size < max; index--) picked.add(index);
  return [...picked].sort((a, b) => a - b).map((index) => lines[index] ?? '');
}

/** The folders of an attempt's agent runs (`<task>.<n>.<role>` under the run's log folder). */
function attemptDirs(paths: Pick<ProjectPaths, 'logs'>, taskId: string, attempt: Attempt): string[] {
  const runDir = attempt.logPath ? path.dirname(attempt.logPath) : path.join(paths.logs, attempt.runId);
  if (!existsSync(runDir)) return [];
  const prefix = `${taskId}.${attempt.n}.`;
  try {
    return readdirSync(runDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name.startsWith(prefix))
      .map((entry) => path.join(runDir, entry.name));
  } catch {
    return [];
  }
}

function readJsonLines(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  const records: Record<string, unknown>[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const record = parseRecord(line);
    if (record) records.push(record);
  }
  return records;
}

/** One JSONL line as a record; undefined for a blank line, a non-object, or a line cut by a killed writer. */
function parseRecord(line: string): Record<string, unknown> | undefined {
  if (line.trim() === '') return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Denials the policy hook recorded for an attempt. */
function attemptDenials(paths: Pick<ProjectPaths, 'logs'>, taskId: string, attempt: Attempt): string[] {
  return attemptDirs(paths, taskId, attempt).flatMap((dir) =>
    readJsonLines(path.join(dir, 'denials.jsonl')).map((record) => {
      const command = typeof record['command'] === 'string' ? record['command'] : JSON.stringify(record);
      const reason = typeof record['reason'] === 'string' ? ` (${record['reason']})` : '';
      return `${command}${reason}`;
    }),
  );
}

/** Bytes read per step when a record is read from its end. */
const TAIL_CHUNK = 64 * 1024;
/** A record line longer than this is an agent's output, not a question (one short line). */
const MAX_QUESTION_LINE = 1024 * 1024;

/**
 * Questions an attempt's agent asked that nothing followed: the `question` records that end its
 * event stream (`<task>.<n>.jsonl`). An answered question is followed by the agent's next output.
 * Read from the end, a chunk at a time, up to the first record that is not a question: an attempt
 * that printed a gigabyte costs the report a few KB, where reading the whole record took its size
 * in memory at the end of every run, and over 512 MB (V8's longest string) failed the report.
 */
function unansweredQuestions(paths: Pick<ProjectPaths, 'logs'>, taskId: string, attempt: Attempt): string[] {
  const jsonl = attempt.logPath
    ? attempt.logPath.replace(/\.log$/, '.jsonl')
    : path.join(paths.logs, attempt.runId, `${taskId}.${attempt.n}.jsonl`);
  let fd: number;
  try {
    fd = openSync(jsonl, 'r');
  } catch {
    return [];
  }
  try {
    const questions: string[] = [];
    for (const line of linesFromEnd(fd, MAX_QUESTION_LINE)) {
      if (line === undefined) break;
      const record = parseRecord(line);
      if (record === undefined) continue;
      if (record['type'] !== 'question' || typeof record['text'] !== 'string') break;
      questions.unshift(record['text']);
    }
    return questions;
  } finally {
    closeSync(fd);
  }
}

/**
 * The lines of an open file, last first, read backwards `TAIL_CHUNK` bytes at a time (split on the
 * newline byte, so a multi-byte character is never cut). A line longer than `maxBytes` is yielded
 * as undefined, not decoded, and ends the lines.
 */
function* linesFromEnd(fd: number, maxBytes: number): Generator<string | undefined> {
  let position = fstatSync(fd).size;
  // The bytes from `position` to the end of the line being read backwards (no newline in them).
  let rest = Buffer.alloc(0);
  while (position > 0) {
    const size = Math.min(TAIL_CHUNK, position);
    position -= size;
    const chunk = Buffer.alloc(size);
    readSync(fd, chunk, 0, size, position);
    const data = rest.length === 0 ? chunk : Buffer.concat([chunk, rest]);
    let end = data.length;
    for (
      let newline = data.lastIndexOf(0x0a, end - 1);
      newline !== -1;
      newline = data.lastIndexOf(0x0a, end - 1)
    ) {
      yield data.toString('utf8', newline + 1, end);
      end = newline;
      if (end === 0) break;
    }
    rest = data.subarray(0, end);
    if (rest.length > maxBytes) {
      yield undefined;
      return;
    }
  }
  if (rest.length > 0) yield rest.toString('utf8');
}

function needsYou(tasks: readonly TaskReport[]): NeedsYou[] {
  const items: NeedsYou[] = [];
  for (const task of tasks) {
    if (task.outcome === 'blocked')
      items.push({
        taskId: task.id,
        what: `blocked: ${task.blockReason ?? task.summary}`,
        command: `nightshift task diff ${task.id}   # then: nightshift task retry --ids ${task.id}`,
      });
    else if (task.outcome === 'waiting to land')
      items.push({
        taskId: task.id,
        what: 'verified, waiting to land',
        command: `nightshift land ${task.id}`,
      });
    else if (task.outcome === 'waiting for input')
      items.push({
        taskId: task.id,
        what: `waiting for input: ${task.questions.at(-1) ?? 'the agent asked a question'}`,
        command: `nightshift attach   # select ${task.id}, press a, answer`,
      });
  }
  return items;
}
