import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../source/errors.js';
import { auditTasks, hasAuditErrors } from '../../source/tasks/audit.js';
import { fromTaskMaster, parseVerifyMap, taskMasterFromText } from '../../source/tasks/taskmaster.js';

const fixture = (name: string): string =>
  readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'taskmaster', name), 'utf8');
const VERIFY = ['npm test'];

describe('Task Master import', () => {
  it('maps the legacy format: ids, subtasks as tasks of an epic, dependencies, status, priority, testStrategy as notes', () => {
    const result = taskMasterFromText(fixture('legacy-tasks.json'), 'tasks.json', VERIFY);
    expect(result).toBeDefined();
    const tasks = result?.tasks ?? [];
    expect(tasks.map((t) => t.id)).toEqual(['tm-1', 'tm-2.1', 'tm-2.2', 'tm-2.3', 'tm-3']);
    expect(result?.epics).toEqual([
      {
        id: 'tm-2',
        title: 'Build the API',
        description:
          'REST endpoints for todos.\n\nExpress 5, JSON bodies.\n\nTest strategy: Supertest against every endpoint.',
      },
    ]);
    const byId = new Map(tasks.map((t) => [t.id, t]));
    // Subtasks inherit the parent's dependencies; numbers are siblings, "2.2" names a subtask.
    expect(byId.get('tm-2.1')?.dependsOn).toEqual(['tm-1']);
    expect(byId.get('tm-2.2')?.dependsOn).toEqual(['tm-1', 'tm-2.1']);
    expect(byId.get('tm-2.3')?.dependsOn).toEqual(['tm-1', 'tm-2.2']);
    // A dependency on a task with subtasks is one on all of them; an unknown one is dropped and reported.
    expect(byId.get('tm-3')?.dependsOn).toEqual(['tm-2.1', 'tm-2.2', 'tm-2.3']);
    expect(byId.get('tm-2.2')?.epic).toBe('tm-2');
    expect([...byId.values()].map((t) => [t.id, t.status, t.blockReason])).toEqual([
      ['tm-1', 'done', undefined],
      ['tm-2.1', 'done', undefined],
      ['tm-2.2', 'pending', undefined],
      ['tm-2.3', 'pending', undefined],
      ['tm-3', 'blocked', 'deferred in Task Master'],
    ]);
    expect([...byId.values()].map((t) => t.priority)).toEqual([1, 0, 0, 0, -1]);
    expect(byId.get('tm-1')?.description).toBe(
      'Create the repository layout and the test runner.\n\nUse npm with vitest.',
    );
    expect(byId.get('tm-1')?.notes).toContain('Run npm test and see an empty suite pass.');
    expect(byId.get('tm-2.2')?.notes).toContain('Part of Task Master task 2: Build the API.');
    for (const task of tasks) expect(task.verification?.commands).toEqual(['npm test']);
    expect(result?.unmapped).toEqual([
      'tm-3: dependency on unknown Task Master task 9 dropped',
      'fields not imported: complexity',
      "testStrategy is prose, not a check: kept in each task's notes; the gate runs the --verify commands",
    ]);
    // What comes out passes the audit, so `task import` takes it as it is.
    expect(hasAuditErrors(auditTasks(tasks, []))).toBe(false);
  });

  it('reads the tagged format from the master tag and reports the other tags', () => {
    const result = taskMasterFromText(fixture('tagged-tasks.json'), 'tasks.json', VERIFY);
    expect(result?.tasks.map((t) => [t.id, t.status, t.dependsOn])).toEqual([
      ['tm-1', 'pending', []],
      ['tm-2', 'pending', ['tm-1']],
    ]);
    expect(result?.unmapped[0]).toBe('tag "feature-ui" (1 tasks) was not imported: only "master" is');
  });

  it('imports another tag with --tag, and refuses a tag the file does not have', () => {
    const result = taskMasterFromText(fixture('tagged-tasks.json'), 'tasks.json', VERIFY, {
      tag: 'feature-ui',
    });
    expect(result?.tasks.map((t) => t.id)).toEqual(['tm-1']);
    expect(result?.unmapped[0]).toBe('tag "master" (2 tasks) was not imported: only "feature-ui" is');
    expect(() =>
      taskMasterFromText(fixture('tagged-tasks.json'), 'tasks.json', VERIFY, { tag: 'nope' }),
    ).toThrow(/no Task Master tag "nope"; its tags are "master", "feature-ui"/);
    const twoTags = {
      a: { tasks: [{ id: 1, title: 'A', details: '' }] },
      b: { tasks: [{ id: 1, title: 'B', details: '' }] },
    };
    expect(fromTaskMaster(twoTags, 'tasks.json', VERIFY, { tag: 'b' })?.tasks[0]?.title).toBe('B');
  });

  it('takes per-task checks from a verify map (by Task Master or nightshift id; a parent covers its subtasks)', () => {
    const raw = {
      tasks: [
        { id: 1, title: 'One', details: 'd' },
        {
          id: 2,
          title: 'Two',
          details: 'd',
          subtasks: [
            { id: 1, title: 'Two a' },
            { id: 2, title: 'Two b' },
          ],
        },
        { id: 3, title: 'Three', details: 'd' },
      ],
    };
    const map = parseVerifyMap(
      '{"1": "pytest tests/one.py", "tm-2": ["npm test -- two"], "2.2": ["make b"], "9": "x"}',
      'map.json',
    );
    const result = fromTaskMaster(raw, 'tasks.json', ['npm test'], { verifyMap: map });
    expect(result?.tasks.map((t) => [t.id, t.verification?.commands])).toEqual([
      ['tm-1', ['pytest tests/one.py']],
      ['tm-2.1', ['npm test -- two']],
      ['tm-2.2', ['make b']],
      ['tm-3', ['npm test']],
    ]);
    expect(result?.unmapped).toContain('verify map entry "9" matches no imported task');
    // Without a default, a task the map leaves out is refused, named.
    expect(() => fromTaskMaster(raw, 'tasks.json', [], { verifyMap: map })).toThrow(
      /Task Master task 3 has no check in the verify map and no --verify default/,
    );
    expect(() => parseVerifyMap('{"1": 3}', 'map.json')).toThrow(
      /entry "1" must be a command or a list of commands/,
    );
  });

  it('refuses without --verify, naming the flag, because testStrategy is prose', () => {
    expect(() => taskMasterFromText(fixture('legacy-tasks.json'), 'tasks.json', [])).toThrow(UserError);
    expect(() => taskMasterFromText(fixture('legacy-tasks.json'), 'tasks.json', [])).toThrow(
      /testStrategy is prose.*nothing was imported/,
    );
    try {
      taskMasterFromText(fixture('legacy-tasks.json'), 'tasks.json', []);
    } catch (error) {
      expect((error as UserError).hint).toContain('--verify "npm test"');
    }
  });

  it('leaves plan files, autodev files and invalid JSON to the plan-file parser', () => {
    const plan = {
      tasks: [{ id: 'a', title: 'A', steps: ['x'], verification: { validate_commands: ['true'] } }],
    };
    expect(fromTaskMaster(plan, 'plan.json', VERIFY)).toBeUndefined();
    const autodev = {
      tasks: [
        { id: 1, title: 'A', details: 'd', passes: false, verification: { validate_commands: ['true'] } },
      ],
    };
    expect(fromTaskMaster(autodev, 'task.json', VERIFY)).toBeUndefined();
    expect(taskMasterFromText('{ "tasks": [', 'broken.json', VERIFY)).toBeUndefined();
    expect(fromTaskMaster({ tasks: [] }, 'empty.json', VERIFY)).toBeUndefined();
  });

  it('refuses several tags without a master tag, and names a task that does not fit', () => {
    const twoTags = {
      a: { tasks: [{ id: 1, title: 'A', details: '' }] },
      b: { tasks: [{ id: 1, title: 'B', details: '' }] },
    };
    expect(() => fromTaskMaster(twoTags, 'tasks.json', VERIFY)).toThrow(
      /several tags and no "master" tag \(a, b\)/,
    );
    const untitled = { tasks: [{ id: 1, details: 'no title' }] };
    expect(() => fromTaskMaster(untitled, 'tasks.json', VERIFY)).toThrow(/tasks\.0\.title/);
  });

  it('maps cancelled and blocked to blocked, and reports unknown statuses and priorities', () => {
    const raw = {
      tasks: [
        { id: 1, title: 'A', details: '', status: 'cancelled' },
        { id: 2, title: 'B', details: '', status: 'blocked', priority: 'urgent' },
        { id: 3, title: 'C', details: '', status: 'someday' },
      ],
    };
    const result = fromTaskMaster(raw, 'tasks.json', VERIFY);
    expect(result?.tasks.map((t) => [t.status, t.blockReason, t.priority])).toEqual([
      ['blocked', 'cancelled in Task Master', 0],
      ['blocked', 'blocked in Task Master', 0],
      ['pending', undefined, 0],
    ]);
    expect(result?.unmapped).toEqual([
      'tm-2: priority "urgent" is not critical/high/medium/low; imported as 0',
      'tm-3: status "someday" is unknown; imported as pending',
    ]);
  });
});
