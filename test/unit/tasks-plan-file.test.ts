import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../source/errors.js';
import { STATE_VERSION, type State } from '../../source/store/schema.js';
import { formatPlanFile, formatJsonPath, parsePlanFile, toPlanFile } from '../../source/tasks/plan-file.js';
import { jsonErrorOffset } from '../../source/tasks/json-location.js';
import { planJsonSchema } from '../../source/tasks/plan-schema.js';
import { addTasks } from '../../source/tasks/queue.js';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/plans');
const SCHEMA_FILE = path.join(import.meta.dirname, '../../templates/plan.schema.json');
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');
const clock = (): string => '2025-01-01T00:00:00.000Z';

function emptyState(): State {
  return { version: STATE_VERSION, project: 'p', epics: [], tasks: [], runs: [], learning: [] };
}

/** The UserError `fn` throws (fails the test when it does not throw one). */
function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a UserError');
}

/** A one-task plan around the given task fields. */
function plan(task: Record<string, unknown>): string {
  return JSON.stringify({
    project: 'p',
    tasks: [
      { id: 't1', title: 'T', steps: ['do it'], verification: { validate_commands: ['true'] }, ...task },
    ],
  });
}

describe('parsePlanFile on an autodev task.json', () => {
  const parsed = parsePlanFile(fixture('autodev-task.json'), 'task.json');
  const byId = new Map(parsed.tasks.map((task) => [task.id, task]));

  it('reads the project, source and every task', () => {
    expect(parsed.project).toBe('latency-service');
    expect(parsed.source).toBe('docs/specs/latency-service.md');
    expect(parsed.tasks.map((task) => task.id)).toEqual(['P0-1', 'P0-2', 'P1-1', 'P1-2']);
  });

  it('maps passes to done and blocked (also as strings) to blocked with its reason', () => {
    expect(byId.get('P0-1')?.status).toBe('done');
    expect(byId.get('P0-1')?.blockReason).toBeUndefined();
    expect(byId.get('P0-2')?.status).toBe('blocked');
    expect(byId.get('P0-2')?.blockReason).toBe('pytest cannot import sqlite3 in the sandbox');
    expect(byId.get('P1-1')?.status).toBe('pending');
  });

  it('converts verification, with environment values as strings', () => {
    expect(byId.get('P0-1')?.verification).toEqual({
      pathPatterns: ['app/**', 'tests/**', 'pyproject.toml'],
      commands: ['uv run pytest -q tests/test_health.py'],
      timeoutSeconds: 300,
      env: {},
    });
    expect(byId.get('P0-2')?.verification).toMatchObject({
      cwd: '.',
      env: { DATABASE_URL: 'sqlite:///tmp/test.db', WORKERS: '2' },
    });
  });

  it('reads a numeric iterative task with autodev aliases', () => {
    const task = byId.get('P1-1');
    expect(task?.priority).toBe(2);
    expect(task?.completion).toEqual({
      kind: 'numeric',
      source: 'json_stdout',
      jsonPath: 'metrics.latency_ms',
      direction: 'minimize',
      minImprovement: 1.5,
    });
    expect(task?.execution).toEqual({
      strategy: 'iterative',
      maxIterations: 5,
      rollbackOnRegression: true,
      keepOnEqual: true,
      stopAfterNoImprovement: 2,
    });
  });

  it('keeps notes and learning, and ignores unknown keys', () => {
    expect(byId.get('P0-1')?.notes).toBe('Used uvicorn for local runs');
    expect(byId.get('P0-2')?.learning).toEqual(['sqlite3 module missing from the python build']);
    expect(byId.get('P0-1')).not.toHaveProperty('completed_at');
  });

  it('passes the audit and enters the queue', () => {
    const state = emptyState();
    const result = addTasks(state, parsed.tasks, { now: clock });
    expect(result.added).toHaveLength(4);
    expect(state.tasks.map((task) => task.status)).toEqual(['done', 'blocked', 'pending', 'pending']);
  });
});

describe('parsePlanFile tolerances', () => {
  it('accepts type for kind, higher_is_better, priority words, numeric ids and dependencies', () => {
    const text = JSON.stringify({
      tasks: [
        {
          id: 1,
          title: 'One',
          steps: ['a'],
          verification: { validate_commands: ['true'] },
          priority: 'high',
        },
        {
          id: 2,
          title: 'Two',
          description: 'score it',
          dependencies: [1],
          priority: 'low',
          verification: { validate_commands: ['./score'] },
          completion: { type: 'numeric', json_path: 'score', direction: 'higher_is_better' },
          execution: { strategy: 'iterative' },
        },
      ],
    });
    const { project, tasks } = parsePlanFile(text, 'plan.json');
    expect(project).toBe('');
    expect(tasks.map((task) => [task.id, task.priority, task.dependsOn])).toEqual([
      ['1', 1, []],
      ['2', -1, ['1']],
    ]);
    expect(tasks[1]?.completion).toMatchObject({ kind: 'numeric', direction: 'maximize', minImprovement: 0 });
    expect(tasks[1]?.execution).toEqual({
      strategy: 'iterative',
      maxIterations: 5,
      rollbackOnRegression: true,
      keepOnEqual: false,
      stopAfterNoImprovement: 2,
    });
  });

  it('reads the older autodev experiment block as numeric iterative', () => {
    const [task] = parsePlanFile(
      plan({
        execution_mode: 'experiment',
        experiment: {
          max_iterations: 4,
          no_improvement_threshold: 3,
          goal_metric: {
            name: 'latency_ms',
            direction: 'lower_is_better',
            source: 'json_stdout',
            json_path: '$.ms',
          },
        },
      }),
      'plan.json',
    ).tasks;
    expect(task?.completion).toMatchObject({ kind: 'numeric', jsonPath: 'ms', direction: 'minimize' });
    expect(task?.execution).toMatchObject({
      strategy: 'iterative',
      maxIterations: 4,
      stopAfterNoImprovement: 3,
    });
  });

  it('lets status win over passes, and imports running as pending', () => {
    const [done] = parsePlanFile(plan({ status: 'done', passes: false }), 'p.json').tasks;
    const [running] = parsePlanFile(plan({ status: 'running' }), 'p.json').tasks;
    const [unset] = parsePlanFile(plan({}), 'p.json').tasks;
    expect(done?.status).toBe('done');
    expect(running?.status).toBe('pending');
    expect(unset).not.toHaveProperty('status');
  });
});

describe('parsePlanFile errors', () => {
  it('names the file, JSON path and task id of a missing field and a wrong type', () => {
    const error = userError(() => parsePlanFile(fixture('missing-field.json'), 'plans/missing-field.json'));
    expect(error.message).toContain('plans/missing-field.json');
    expect(error.message).toMatch(/tasks\[1\]\.title \(task "api-2"\): .*expected string/);
    expect(error.message).toMatch(
      /tasks\[1\]\.verification\.validate_commands \(task "api-2"\): .*expected array/,
    );
    expect(error.message).not.toContain('api-1');
  });

  it('gives the line and column of a JSON syntax error', () => {
    const error = userError(() => parsePlanFile(fixture('bad-json.json'), 'bad-json.json'));
    expect(error.message).toMatch(/^bad-json\.json:5:5: not valid JSON: /);
    expect(error.message).toContain('line 5, column 5');
  });

  it('places a truncated file at its end', () => {
    const error = userError(() => parsePlanFile('{\n  "tasks": [', 'cut.json'));
    expect(error.message).toMatch(/^cut\.json:2:13: not valid JSON: Unexpected end of JSON input/);
  });

  it('requires a direction for numeric completion, naming the task', () => {
    const error = userError(() =>
      parsePlanFile(plan({ completion: { kind: 'numeric', json_path: 'score' } }), 'plan.json'),
    );
    expect(error.message).toMatch(/tasks\[0\]\.completion\.direction \(task "t1"\): missing/);
  });

  it('rejects an unknown direction word, naming the task', () => {
    const error = userError(() =>
      parsePlanFile(plan({ completion: { kind: 'numeric', json_path: 's', direction: 'up' } }), 'plan.json'),
    );
    expect(error.message).toMatch(/tasks\[0\]\.completion\.direction \(task "t1"\)/);
  });

  it('rejects a file without tasks', () => {
    const error = userError(() => parsePlanFile('[]', 'list.json'));
    expect(error.message).toContain('list.json');
    expect(error.message).toContain('(top level)');
  });

  it('locates an unexpected token that Node reports without a position', () => {
    const error = userError(() => parsePlanFile('{\n  "project": "p",\n  "tasks": [ x ]\n}', 'p.json'));
    expect(error.message).toBe("p.json:3:14: not valid JSON: Unexpected token 'x' (line 3, column 14)");
  });

  it('agrees with V8 wherever V8 gives a position, on broken variants of a real plan', () => {
    const text = fixture('autodev-task.json');
    const disagreements: string[] = [];
    for (let at = 0; at < text.length; at += 3) {
      for (const broken of [
        text.slice(0, at) + text.slice(at + 1),
        `${text.slice(0, at)}}${text.slice(at)}`,
      ]) {
        try {
          JSON.parse(broken);
        } catch (error) {
          const position = /at position (\d+)/.exec((error as Error).message)?.[1];
          if (position !== undefined && Number(position) !== jsonErrorOffset(broken)) {
            disagreements.push(`edit at ${at}: V8 ${position}, ours ${jsonErrorOffset(broken)}`);
          }
        }
      }
    }
    expect(disagreements).toEqual([]);
  });

  it('formats JSON paths the way people write them', () => {
    expect(formatJsonPath(['tasks', 3, 'verification', 'validate_commands'])).toBe(
      'tasks[3].verification.validate_commands',
    );
    expect(formatJsonPath(['tasks', 0, 'validate_environment', 'MY VAR'])).toBe(
      'tasks[0].validate_environment["MY VAR"]',
    );
  });
});

describe('export', () => {
  it('round-trips: import → export → import gives the same tasks', () => {
    const first = parsePlanFile(fixture('autodev-task.json'), 'task.json');
    const state = emptyState();
    state.project = first.project;
    addTasks(state, first.tasks, { now: clock });
    const second = parsePlanFile(formatPlanFile(state), 'export.json');
    expect(second.tasks).toEqual(first.tasks);

    const again = emptyState();
    addTasks(again, second.tasks, { now: clock });
    expect(again.tasks).toEqual(state.tasks);
  });

  it('writes autodev flags next to status, and exports a running task as pending', () => {
    const state = emptyState();
    addTasks(state, parsePlanFile(fixture('autodev-task.json'), 'task.json').tasks, { now: clock });
    const p03 = state.tasks[2];
    if (p03 !== undefined) p03.status = 'running';
    const file = toPlanFile(state);
    expect(file.tasks.map((task) => [task.status, task.passes, task.blocked])).toEqual([
      ['done', true, false],
      ['blocked', false, true],
      ['pending', false, false],
      ['pending', false, false],
    ]);
    expect(file.tasks[1]?.block_reason).toBe('pytest cannot import sqlite3 in the sandbox');
  });
});

describe('templates/plan.schema.json', () => {
  it('is exactly planJsonSchema() (regenerate with UPDATE_PLAN_SCHEMA=1)', () => {
    const expected = `${JSON.stringify(planJsonSchema(), null, 2)}\n`;
    if (process.env['UPDATE_PLAN_SCHEMA'] === '1') writeFileSync(SCHEMA_FILE, expected);
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(expected);
  });

  it('is a draft 2020-12 schema that requires tasks with id and title', () => {
    const schema = planJsonSchema() as {
      $schema: string;
      required: string[];
      properties: { tasks: { items: { required: string[] } } };
    };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.required).toEqual(['tasks']);
    expect(schema.properties.tasks.items.required).toEqual(['id', 'title']);
  });
});
