/**
 * The audit of DESIGN.md §5: every task passes it before it enters the queue, whether a planner
 * wrote it, a user added it, or a file imported it. It never throws; it returns every issue at once
 * so a planner round (or a user) can fix them all in one go.
 *
 * Decisions worth knowing:
 * - A task with neither validate commands nor path patterns is an error ("nothing verifies this
 *   task"); path patterns without a command pass with a warning, since they check scope only.
 * - "Weaker than before" compares with the task of the same id already in the queue (a re-import, a
 *   re-plan, an edit): the contract may only grow. Every previous command and path pattern must still
 *   be there, and numeric completion may not fall back to boolean. `allowWeakerVerification` turns
 *   these into warnings for a user who means it (`--force`).
 * - Commands that cannot fail (`true`, `:`, `exit 0`, `echo …`, `… || true`) verify nothing: a task
 *   whose every command is one of them passes with a warning, since the gate would pass any work.
 * - Field names are the task model's (camelCase, `verification.commands`), since tasks come from
 *   more places than plan files; plan-file parse errors use the file's own JSON paths.
 */
import { BACKEND_NAMES } from '../config/schema.js';
import type { Task, TaskInput } from './model.js';
import { findCycles, formatCycle } from './graph.js';
import { didYouMean } from './suggest.js';

/** One problem the audit found with one field of one task. */
export interface AuditIssue {
  /** The task's id, or `#N` (its position) when it has no usable id. */
  readonly taskId: string;
  /** The field, in the task model's names: `verification.commands`, `steps[2]`, `dependsOn[0]`. */
  readonly field: string;
  readonly message: string;
  /** Errors keep the task out of the queue; warnings are printed and let it in. */
  readonly severity: 'error' | 'warning';
}

/** How the incoming tasks relate to the queue. */
export interface AuditOptions {
  /** Incoming ids that exist already replace those tasks (else a clash is an error). */
  readonly replace?: boolean;
  /** Report a weaker verification than before as a warning instead of an error. */
  readonly allowWeakerVerification?: boolean;
}

/**
 * Ids end up in branch names (`nightshift/<id>`), worktree folders and log file names, so they are
 * kept to characters that are safe in all three.
 */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_ID_LENGTH = 80;

/** Steps that say nothing an agent could act on. */
const PLACEHOLDER_STEP =
  /^(todo|tbd|fixme|xxx|placeholder|n\/?a|none|step\s*\d*|\?+|-+|\.+|…+|<[^>]*>)[.:!]*$/i;

type AuditedTask = TaskInput | Task;

/** Audits incoming tasks against each other and against the queue's existing tasks. */
export function auditTasks(
  incoming: readonly AuditedTask[],
  existing: readonly Task[],
  options: AuditOptions = {},
): AuditIssue[] {
  const issues: AuditIssue[] = [];
  const existingById = new Map(existing.map((task) => [task.id, task]));
  const seen = new Map<string, number>();

  incoming.forEach((task, index) => {
    const taskId = typeof task.id === 'string' && task.id.trim() !== '' ? task.id : `#${index + 1}`;
    const report = (field: string, message: string, severity: AuditIssue['severity'] = 'error'): void => {
      issues.push({ taskId, field, message, severity });
    };

    auditIdentity(task, index, seen, existingById, options, report);
    auditContent(task, report);
    auditVerification(task, report);
    auditContracts(task, report);
    auditBackend(task, report);
    const previous = existingById.get(task.id);
    if (previous !== undefined && options.replace === true) {
      auditAgainstPrevious(task, previous, options.allowWeakerVerification === true, report);
    }
  });

  auditDependencies(incoming, existing, options, issues);
  return issues;
}

type Report = (field: string, message: string, severity?: AuditIssue['severity']) => void;

function auditIdentity(
  task: AuditedTask,
  index: number,
  seen: Map<string, number>,
  existingById: ReadonlyMap<string, Task>,
  options: AuditOptions,
  report: Report,
): void {
  if (typeof task.id !== 'string' || task.id.trim() === '') {
    report('id', 'missing: every task needs an id');
  } else if (!ID_PATTERN.test(task.id) || task.id.length > MAX_ID_LENGTH || task.id.endsWith('.lock')) {
    report(
      'id',
      `"${task.id}" is not usable in branch and file names: use letters, digits, ".", "_" and "-" ` +
        `(starting with a letter or digit, at most ${MAX_ID_LENGTH} characters)`,
    );
  } else {
    const first = seen.get(task.id);
    if (first !== undefined) report('id', `duplicate id: task #${first + 1} has the same id`);
    else seen.set(task.id, index);
    if (options.replace !== true && existingById.has(task.id)) {
      report('id', 'a task with this id is already in the queue; pick another id, or replace it (--replace)');
    }
  }
  const previous = existingById.get(task.id);
  if (
    options.replace === true &&
    previous !== undefined &&
    (previous.status === 'running' || previous.status === 'verifying')
  ) {
    report('status', `cannot replace the task while it is ${previous.status}; stop its agent first`);
  }
  if (typeof task.title !== 'string' || task.title.trim() === '')
    report('title', 'missing: every task needs a title');
  if (task.priority !== undefined && !Number.isInteger(task.priority)) {
    report('priority', `must be a whole number (higher runs first), not ${String(task.priority)}`);
  }
}

function auditContent(task: AuditedTask, report: Report): void {
  const steps = task.steps ?? [];
  const description = typeof task.description === 'string' ? task.description.trim() : '';
  if (steps.length === 0 && description === '') {
    report(
      'steps',
      'no steps and no description: an agent needs at least one step or a description to act on',
    );
  }
  const seenSteps = new Set<string>();
  steps.forEach((step, index) => {
    const field = `steps[${index}]`;
    if (typeof step !== 'string' || step.trim() === '') {
      report(field, 'empty step: write what the agent should do');
    } else if (PLACEHOLDER_STEP.test(step.trim())) {
      report(field, `"${step.trim()}" is a placeholder, not a step an agent can carry out`);
    } else if (seenSteps.has(step.trim())) {
      report(field, 'repeats an earlier step', 'warning');
    } else {
      seenSteps.add(step.trim());
    }
  });
}

/** Linux caps one argv string at 128 KiB (MAX_ARG_STRLEN); a gate command is one (`sh -c CMD`). */
export const MAX_COMMAND_BYTES = 128 * 1024 - 1;

function auditVerification(task: AuditedTask, report: Report): void {
  const commands = task.verification?.commands ?? [];
  const patterns = task.verification?.pathPatterns ?? [];
  commands.forEach((command, index) => {
    if (typeof command !== 'string' || command.trim() === '')
      report(`verification.commands[${index}]`, 'empty command');
    else if (Buffer.byteLength(command) > MAX_COMMAND_BYTES)
      report(
        `verification.commands[${index}]`,
        `command is ${Buffer.byteLength(command)} bytes; Linux runs at most ${MAX_COMMAND_BYTES} bytes in one argument (sh -c CMD fails with E2BIG): put it in a script file in the repository and run that`,
      );
  });
  patterns.forEach((pattern, index) => {
    if (typeof pattern !== 'string' || pattern.trim() === '')
      report(`verification.pathPatterns[${index}]`, 'empty path pattern');
  });
  if (commands.length === 0 && patterns.length === 0) {
    report(
      'verification',
      'nothing verifies this task: add at least one validate command (verification.commands, ' +
        'validate_commands in a plan file) that fails until the work is done',
    );
  } else if (commands.length === 0) {
    report(
      'verification.commands',
      'only the changed paths are checked; add a validate command that tests the work',
      'warning',
    );
  }
  const real = commands.filter((command) => typeof command === 'string' && command.trim() !== '');
  if (real.length > 0 && real.every(cannotFail)) {
    report(
      'verification.commands',
      `${real.length === 1 ? `the only check, "${real[0]?.trim() ?? ''}", cannot fail` : 'no check can fail'}: ` +
        'the gate will pass any work; add a command that fails until the work is done',
      'warning',
    );
  }
  const timeout = task.verification?.timeoutSeconds;
  if (timeout !== undefined && !(timeout > 0))
    report('verification.timeoutSeconds', `must be positive, not ${timeout}`);
}

/** Commands that exit 0 whatever the work is. */
const CANNOT_FAIL =
  /^(?:true|:|\/bin\/true|\/usr\/bin\/true|exit\s+0|(?:echo|printf)(?:\s[^;&|\n]*)?|[^\n]*\|\|\s*(?:true|:))\s*;?$/;

/** Whether a verification command exits 0 whatever the work is (`true`, `echo ok`, `npm test || true`). */
export function cannotFail(command: string): boolean {
  return CANNOT_FAIL.test(command.trim());
}

function auditBackend(task: AuditedTask, report: Report): void {
  const backend = task.backend;
  if (backend !== undefined && !(BACKEND_NAMES as readonly string[]).includes(backend)) {
    report(
      'backend',
      `unknown backend "${backend}"${didYouMean(backend, BACKEND_NAMES)}; use one of ${BACKEND_NAMES.join(', ')}`,
    );
  }
  if (task.model !== undefined && task.model.trim() === '') report('model', 'empty model name: leave it out');
}

function auditContracts(task: AuditedTask, report: Report): void {
  const completion = task.completion;
  const commands = task.verification?.commands ?? [];
  if (completion?.kind === 'numeric') {
    if (typeof completion.jsonPath !== 'string' || completion.jsonPath.trim() === '') {
      report(
        'completion.jsonPath',
        "numeric completion needs the JSON path of the metric in the last command's output",
      );
    }
    const direction: string = completion.direction;
    if (direction !== 'maximize' && direction !== 'minimize') {
      report('completion.direction', 'numeric completion needs a direction: maximize or minimize');
    }
    if (commands.length === 0) {
      report('completion', 'numeric completion needs a validate command that prints the metric as JSON');
    }
    if (completion.minImprovement !== undefined && !(completion.minImprovement >= 0)) {
      report('completion.minImprovement', `must be zero or more, not ${completion.minImprovement}`);
    }
  }
  const execution = task.execution;
  if (execution?.strategy === 'iterative') {
    if (completion?.kind !== 'numeric') {
      report(
        'execution.strategy',
        'iterative execution needs numeric completion: there is no metric to keep or revert on',
      );
    }
    if (
      execution.maxIterations !== undefined &&
      !(Number.isInteger(execution.maxIterations) && execution.maxIterations > 0)
    ) {
      report('execution.maxIterations', `must be a whole number above 0, not ${execution.maxIterations}`);
    }
  }
}

function auditAgainstPrevious(task: AuditedTask, previous: Task, allowWeaker: boolean, report: Report): void {
  const severity = allowWeaker ? 'warning' : 'error';
  const commands = new Set((task.verification?.commands ?? []).map((command) => command.trim()));
  const dropped = previous.verification.commands.filter((command) => !commands.has(command.trim()));
  if (dropped.length > 0) {
    report(
      'verification.commands',
      `weaker than before: drops ${dropped.map((command) => `"${command}"`).join(', ')}; keep every previous command`,
      severity,
    );
  }
  const patterns = new Set(task.verification?.pathPatterns ?? []);
  const removed = previous.verification.pathPatterns.filter((pattern) => !patterns.has(pattern));
  if (removed.length > 0) {
    report(
      'verification.pathPatterns',
      `weaker than before: drops ${removed.map((pattern) => `"${pattern}"`).join(', ')}; keep every previous path pattern`,
      severity,
    );
  } else if (
    previous.verification.pathPatterns.length > 0 &&
    patterns.size > previous.verification.pathPatterns.length
  ) {
    report(
      'verification.pathPatterns',
      'adds path patterns: the task may now change more files than before',
      'warning',
    );
  }
  if (previous.completion.kind === 'numeric' && task.completion?.kind !== 'numeric') {
    report('completion', 'weaker than before: numeric completion replaced by a boolean gate', severity);
  }
}

function auditDependencies(
  incoming: readonly AuditedTask[],
  existing: readonly Task[],
  options: AuditOptions,
  issues: AuditIssue[],
): void {
  const incomingIds = new Set(incoming.map((task) => task.id));
  // The graph the queue will have: existing tasks, with same-id incoming ones in their place.
  const kept = existing.filter((task) => !(options.replace === true && incomingIds.has(task.id)));
  const known = new Set([...kept.map((task) => task.id), ...incomingIds]);

  incoming.forEach((task, index) => {
    const taskId = typeof task.id === 'string' && task.id.trim() !== '' ? task.id : `#${index + 1}`;
    const seen = new Set<string>();
    (task.dependsOn ?? []).forEach((dep, depIndex) => {
      const field = `dependsOn[${depIndex}]`;
      if (dep === task.id) {
        issues.push({ taskId, field, message: 'a task cannot depend on itself', severity: 'error' });
      } else if (!known.has(dep)) {
        const message = `depends on unknown task "${dep}"${didYouMean(dep, known)}`;
        issues.push({ taskId, field, message, severity: 'error' });
      } else if (seen.has(dep)) {
        issues.push({ taskId, field, message: `"${dep}" is listed twice`, severity: 'warning' });
      }
      seen.add(dep);
    });
  });

  // Self-dependencies are reported above; the cycle check looks for longer loops only.
  const graph = [...kept, ...incoming].map((task) => ({
    id: task.id,
    dependsOn: (task.dependsOn ?? []).filter((dep) => dep !== task.id),
  }));
  for (const cycle of findCycles(graph)) {
    const taskId = cycle.find((id) => incomingIds.has(id)) ?? cycle[0] ?? '';
    issues.push({
      taskId,
      field: 'dependsOn',
      message: `dependency cycle: ${formatCycle(cycle)}`,
      severity: 'error',
    });
  }
}

/** One line per issue: `task "api-2" field verification.commands: …`, warnings marked as such. */
export function formatAuditIssues(issues: readonly AuditIssue[]): string[] {
  return issues.map(
    (issue) =>
      `${issue.severity === 'warning' ? 'warning: ' : ''}task "${issue.taskId}" field ${issue.field}: ${issue.message}`,
  );
}

/** Whether any issue keeps the tasks out of the queue. */
export function hasAuditErrors(issues: readonly AuditIssue[]): boolean {
  return issues.some((issue) => issue.severity === 'error');
}
