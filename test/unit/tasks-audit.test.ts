import { describe, expect, it } from 'vitest';
import { auditTasks, cannotFail, formatAuditIssues, hasAuditErrors } from '../../source/tasks/audit.js';
import type { AuditIssue } from '../../source/tasks/audit.js';
import { taskSchema } from '../../source/tasks/model.js';
import type { Task, TaskInput } from '../../source/tasks/model.js';

const AT = '2025-01-01T00:00:00.000Z';

/** A task that passes the audit, with the given changes. */
function input(id: string, changes: Partial<TaskInput> = {}): TaskInput {
  return {
    id,
    title: `Task ${id}`,
    steps: [`implement ${id}`],
    verification: { commands: ['npm test'] },
    ...changes,
  };
}

/** The same, as a task already in the queue. */
function existing(id: string, changes: Partial<TaskInput> = {}): Task {
  return taskSchema.parse({ ...input(id, changes), createdAt: AT, updatedAt: AT });
}

/** The issues on one task and field, to assert that both are named. */
function on(issues: readonly AuditIssue[], taskId: string, field: string): AuditIssue[] {
  return issues.filter((issue) => issue.taskId === taskId && issue.field === field);
}

describe('auditTasks', () => {
  it('warns when no check can fail (true, echo, || true), and names the only check', () => {
    for (const command of ['true', ':', 'exit 0', 'echo ok', 'npm test || true', '/bin/true'])
      expect(cannotFail(command), command).toBe(true);
    for (const command of [
      'npm test',
      'test -f a.txt',
      'echo "FAIL" >&2; exit 1',
      'false',
      'echo ok && npm test',
    ])
      expect(cannotFail(command), command).toBe(false);
    const issues = auditTasks([input('t', { verification: { commands: ['true'] } })], []);
    expect(hasAuditErrors(issues)).toBe(false);
    const warned = on(issues, 't', 'verification.commands');
    expect(warned.map((issue) => issue.severity)).toEqual(['warning']);
    expect(warned[0]?.message).toContain('the only check, "true", cannot fail');
    const two = auditTasks([input('u', { verification: { commands: ['echo hi', ':'] } })], []);
    expect(on(two, 'u', 'verification.commands')[0]?.message).toMatch(/^no check can fail/);
    expect(auditTasks([input('v', { verification: { commands: ['true', 'npm test'] } })], [])).toEqual([]);
  });

  it('refuses an unknown per-task backend with a suggestion', () => {
    const issues = auditTasks([input('b', { backend: 'codx', model: 'x' })], []);
    expect(on(issues, 'b', 'backend')[0]?.message).toMatch(/unknown backend "codx".*did you mean "codex"/);
    expect(auditTasks([input('c', { backend: 'codex', model: 'gpt-5' })], [])).toEqual([]);
  });

  it('passes well-formed tasks without any issue', () => {
    expect(auditTasks([input('a'), input('b', { dependsOn: ['a'] })], [])).toEqual([]);
  });

  it('requires an id and a title', () => {
    const issues = auditTasks(
      [
        { ...input('x'), id: '' },
        { ...input('y'), title: ' ' },
      ],
      [],
    );
    expect(on(issues, '#1', 'id')[0]?.message).toContain('missing');
    expect(on(issues, 'y', 'title')[0]?.message).toContain('missing');
  });

  it('requires a step or a description', () => {
    const bare = auditTasks([input('a', { steps: [] })], []);
    expect(on(bare, 'a', 'steps')[0]).toMatchObject({ severity: 'error' });
    expect(auditTasks([input('b', { steps: [], description: 'Make the tests pass.' })], [])).toEqual([]);
  });

  it('rejects empty and placeholder steps, and warns about repeats', () => {
    const issues = auditTasks(
      [input('a', { steps: ['write code', '', 'TODO', '...', 'write code', '<describe>'] })],
      [],
    );
    expect(on(issues, 'a', 'steps[1]')[0]?.message).toContain('empty');
    expect(on(issues, 'a', 'steps[2]')[0]?.message).toContain('"TODO" is a placeholder');
    expect(on(issues, 'a', 'steps[3]')[0]?.message).toContain('placeholder');
    expect(on(issues, 'a', 'steps[4]')[0]).toMatchObject({ severity: 'warning' });
    expect(on(issues, 'a', 'steps[5]')[0]?.severity).toBe('error');
    expect(on(issues, 'a', 'steps[0]')).toEqual([]);
  });

  it('accepts steps that merely start with TODO words', () => {
    expect(auditTasks([input('a', { steps: ['TODO list endpoint: add GET /todos'] })], [])).toEqual([]);
  });

  it('rejects duplicate ids within the incoming tasks and against the queue', () => {
    const issues = auditTasks([input('a'), input('a'), input('b')], [existing('b')]);
    expect(on(issues, 'a', 'id')[0]?.message).toContain('duplicate id');
    expect(on(issues, 'b', 'id')[0]?.message).toContain('already in the queue');
    expect(auditTasks([input('b')], [existing('b')], { replace: true })).toEqual([]);
  });

  it('rejects ids that cannot be a branch or file name', () => {
    for (const id of ['has space', '../up', '-flag', 'x.lock', 'a/b']) {
      expect(on(auditTasks([input(id)], []), id, 'id')[0]?.message, id).toContain('not usable');
    }
    expect(auditTasks([input('P0-1.fix_it')], [])).toEqual([]);
  });

  it('errors when nothing verifies a task, warns when only paths do', () => {
    const none = auditTasks([input('a', { verification: {} })], []);
    expect(on(none, 'a', 'verification')[0]).toMatchObject({ severity: 'error' });
    expect(on(none, 'a', 'verification')[0]?.message).toContain('nothing verifies this task');
    const paths = auditTasks([input('b', { verification: { pathPatterns: ['src/**'] } })], []);
    expect(on(paths, 'b', 'verification.commands')[0]).toMatchObject({ severity: 'warning' });
    expect(hasAuditErrors(paths)).toBe(false);
  });

  it('rejects empty commands and path patterns', () => {
    const issues = auditTasks(
      [input('a', { verification: { commands: ['npm test', ' '], pathPatterns: [''] } })],
      [],
    );
    expect(on(issues, 'a', 'verification.commands[1]')).toHaveLength(1);
    expect(on(issues, 'a', 'verification.pathPatterns[0]')).toHaveLength(1);
  });

  it('rejects a verify command too long to run (over 128 KiB: E2BIG), and takes one just under', () => {
    const long = `test "$(cat x)" = "${'a'.repeat(128 * 1024)}"`;
    const issues = auditTasks([input('a', { verification: { commands: ['npm test', long] } })], []);
    expect(on(issues, 'a', 'verification.commands[1]')[0]).toMatchObject({ severity: 'error' });
    expect(on(issues, 'a', 'verification.commands[1]')[0]?.message).toMatch(/E2BIG.*script file/);
    const fits = auditTasks([input('b', { verification: { commands: ['x'.repeat(100_000)] } })], []);
    expect(on(fits, 'b', 'verification.commands[0]')).toHaveLength(0);
  });

  it('rejects a verification weaker than the task it replaces', () => {
    const before = existing('a', {
      verification: { commands: ['npm test', 'npm run lint'], pathPatterns: ['src/**'] },
    });
    const after = input('a', { verification: { commands: ['npm test'] } });
    const issues = auditTasks([after], [before], { replace: true });
    expect(on(issues, 'a', 'verification.commands')[0]?.message).toContain(
      'weaker than before: drops "npm run lint"',
    );
    expect(on(issues, 'a', 'verification.pathPatterns')[0]?.message).toContain('drops "src/**"');
    expect(
      hasAuditErrors(auditTasks([after], [before], { replace: true, allowWeakerVerification: true })),
    ).toBe(false);
  });

  it('lets verification grow, and warns when path patterns widen', () => {
    const before = existing('a', { verification: { commands: ['npm test'], pathPatterns: ['src/**'] } });
    const after = input('a', {
      verification: { commands: ['npm test', 'npm run lint'], pathPatterns: ['src/**', 'lib/**'] },
    });
    const issues = auditTasks([after], [before], { replace: true });
    expect(hasAuditErrors(issues)).toBe(false);
    expect(on(issues, 'a', 'verification.pathPatterns')[0]?.severity).toBe('warning');
  });

  it('rejects replacing a numeric completion with a boolean one', () => {
    const numeric = {
      kind: 'numeric',
      source: 'json_stdout',
      jsonPath: 'score',
      direction: 'maximize',
    } as const;
    const issues = auditTasks([input('a')], [existing('a', { completion: numeric })], { replace: true });
    expect(on(issues, 'a', 'completion')[0]?.message).toContain('weaker than before');
  });

  it('refuses to replace a running task', () => {
    const running = existing('a', { status: 'running' });
    expect(on(auditTasks([input('a')], [running], { replace: true }), 'a', 'status')[0]?.message).toContain(
      'running',
    );
  });

  it('requires dependencies to exist, suggesting a close id', () => {
    const issues = auditTasks([input('api-2', { dependsOn: ['api1', 'db'] })], [existing('api-1')]);
    expect(on(issues, 'api-2', 'dependsOn[0]')[0]?.message).toBe(
      'depends on unknown task "api1" (did you mean "api-1"?)',
    );
    expect(on(issues, 'api-2', 'dependsOn[1]')[0]?.message).toBe('depends on unknown task "db"');
  });

  it('rejects a self-dependency and warns about a repeated one', () => {
    const issues = auditTasks([input('a', { dependsOn: ['a'] }), input('b', { dependsOn: ['a', 'a'] })], []);
    expect(on(issues, 'a', 'dependsOn[0]')[0]?.message).toContain('itself');
    expect(on(issues, 'b', 'dependsOn[1]')[0]?.severity).toBe('warning');
    expect(issues.some((issue) => issue.message.startsWith('dependency cycle'))).toBe(false);
  });

  it('prints a cycle through incoming and existing tasks', () => {
    const issues = auditTasks(
      [input('b', { dependsOn: ['c'] }), input('c', { dependsOn: ['a'] })],
      [existing('a', { dependsOn: ['b'] })],
    );
    const cycle = issues.filter((issue) => issue.field === 'dependsOn');
    expect(cycle).toHaveLength(1);
    expect(cycle[0]).toMatchObject({
      taskId: 'b',
      message: 'dependency cycle: a → b → c → a',
      severity: 'error',
    });
  });

  it('resolves dependencies against the replacement, not the task it replaces', () => {
    const issues = auditTasks(
      [input('a', { dependsOn: ['b'] })],
      [existing('a'), existing('b', { dependsOn: ['a'] })],
      {
        replace: true,
      },
    );
    expect(issues.find((issue) => issue.field === 'dependsOn')?.message).toBe('dependency cycle: a → b → a');
  });

  it('requires a usable metric for numeric completion', () => {
    const issues = auditTasks(
      [
        input('m', {
          verification: { pathPatterns: ['src/**'] },
          completion: {
            kind: 'numeric',
            source: 'json_stdout',
            jsonPath: ' ',
            direction: 'maximize',
            minImprovement: -1,
          },
        }),
      ],
      [],
    );
    expect(on(issues, 'm', 'completion.jsonPath')).toHaveLength(1);
    expect(on(issues, 'm', 'completion')[0]?.message).toContain('validate command');
    expect(on(issues, 'm', 'completion.minImprovement')).toHaveLength(1);
  });

  it('reports a missing direction on input that skipped type checks', () => {
    const loose = JSON.parse(
      '{"id":"m","title":"M","steps":["x"],"verification":{"commands":["./bench"]},"completion":{"kind":"numeric","source":"json_stdout","jsonPath":"s"}}',
    ) as TaskInput;
    expect(on(auditTasks([loose], []), 'm', 'completion.direction')[0]?.message).toContain(
      'maximize or minimize',
    );
  });

  it('allows iterative execution only with numeric completion', () => {
    const issues = auditTasks([input('i', { execution: { strategy: 'iterative', maxIterations: 0 } })], []);
    expect(on(issues, 'i', 'execution.strategy')[0]?.message).toContain('needs numeric completion');
    expect(on(issues, 'i', 'execution.maxIterations')).toHaveLength(1);
    const numeric = input('n', {
      completion: { kind: 'numeric', source: 'json_stdout', jsonPath: 'score', direction: 'minimize' },
      execution: { strategy: 'iterative' },
    });
    expect(auditTasks([numeric], [])).toEqual([]);
  });

  it('rejects a fractional priority', () => {
    expect(on(auditTasks([input('p', { priority: 1.5 })], []), 'p', 'priority')).toHaveLength(1);
  });
});

describe('formatAuditIssues', () => {
  it('names the task and the field on every line, marking warnings', () => {
    const lines = formatAuditIssues([
      { taskId: 'api-2', field: 'verification.commands', message: 'weaker than before', severity: 'error' },
      { taskId: 'api-3', field: 'steps[1]', message: 'repeats an earlier step', severity: 'warning' },
    ]);
    expect(lines).toEqual([
      'task "api-2" field verification.commands: weaker than before',
      'warning: task "api-3" field steps[1]: repeats an earlier step',
    ]);
  });
});
