import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../source/errors.js';
import {
  criticalPathLength,
  dependents,
  findCycle,
  findCycles,
  formatCycle,
  readyTasks,
  topologicalOrder,
  unrunnableTasks,
} from '../../source/tasks/graph.js';
import type { GraphTask } from '../../source/tasks/graph.js';
import type { TaskStatus } from '../../source/tasks/model.js';
import { parsePlanFile } from '../../source/tasks/plan-file.js';

interface Node extends GraphTask {
  readonly id: string;
  readonly dependsOn: readonly string[];
  readonly status: TaskStatus;
  readonly priority: number;
}

/** `node('c', ['a', 'b'])`: c depends on a and b. */
function node(id: string, dependsOn: string[] = [], extra: Partial<Node> = {}): Node {
  return { id, dependsOn, status: 'pending', priority: 0, ...extra };
}

const ids = (tasks: readonly GraphTask[]): string[] => tasks.map((task) => task.id);

/** A small deterministic PRNG (mulberry32), so a failing random case can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random DAG: edges only go from later to earlier nodes, in shuffled order, random priorities. */
function randomDag(seed: number, size: number): Node[] {
  const next = random(seed);
  const nodes = Array.from({ length: size }, (_, i) => {
    const deps = Array.from({ length: i }, (_, j) => `n${j}`).filter(() => next() < 3 / Math.max(i, 1));
    return node(`n${i}`, deps, { priority: Math.floor(next() * 3) - 1 });
  });
  return nodes.sort(() => next() - 0.5);
}

describe('findCycle', () => {
  it('returns null for a DAG', () => {
    expect(findCycle([node('a'), node('b', ['a']), node('c', ['a', 'b'])])).toBeNull();
  });

  it('finds the cycle of the fixture plan, in dependency order from its smallest id', () => {
    const { tasks } = parsePlanFile(
      readFileSync(path.join(import.meta.dirname, '../fixtures/plans/cycle.json'), 'utf8'),
      'cycle.json',
    );
    const cycle = findCycle(tasks);
    expect(cycle).toEqual(['a', 'c', 'b']);
    expect(formatCycle(cycle ?? [])).toBe('a → c → b → a');
  });

  it('finds a self-dependency and every separate cycle', () => {
    expect(findCycle([node('x', ['x'])])).toEqual(['x']);
    const cycles = findCycles([
      node('a', ['b']),
      node('b', ['a']),
      node('c', ['d']),
      node('d', ['c']),
      node('e', ['a']),
    ]);
    expect(cycles).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it('reports the shortest cycle through a component', () => {
    // a → b → c → a and a → c → a share a component; the short one is easier to read and fix.
    expect(findCycle([node('a', ['b', 'c']), node('b', ['c']), node('c', ['a'])])).toEqual(['a', 'c']);
  });

  it('ignores dependencies on ids that are not in the list', () => {
    expect(findCycle([node('a', ['ghost'])])).toBeNull();
  });
});

describe('topologicalOrder', () => {
  it('puts dependencies first, then higher priority, then id', () => {
    const tasks = [node('d', ['a']), node('c'), node('b', [], { priority: 1 }), node('a')];
    expect(ids(topologicalOrder(tasks))).toEqual(['b', 'a', 'c', 'd']);
  });

  it('throws a UserError that names the cycle', () => {
    const attempt = (): unknown => topologicalOrder([node('a', ['b']), node('b', ['a']), node('c')]);
    expect(attempt).toThrow(UserError);
    expect(attempt).toThrow('dependency cycle: a → b → a');
  });

  it('respects every edge on random DAGs', () => {
    const violations: string[] = [];
    for (let seed = 1; seed <= 200; seed++) {
      const tasks = randomDag(seed, 1 + (seed % 40));
      const order = topologicalOrder(tasks);
      if (order.length !== tasks.length)
        violations.push(`seed ${seed}: ${order.length} of ${tasks.length} tasks`);
      const position = new Map(order.map((task, index) => [task.id, index]));
      for (const task of tasks) {
        for (const dep of task.dependsOn) {
          if (!((position.get(dep) ?? Infinity) < (position.get(task.id) ?? -1))) {
            violations.push(`seed ${seed}: ${task.id} before its dependency ${dep}`);
          }
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('handles a 10,000-task chain without overflowing the stack', () => {
    const chain = Array.from({ length: 10_000 }, (_, i) => node(`t${i}`, i === 0 ? [] : [`t${i - 1}`]));
    expect(topologicalOrder(chain)[9_999]?.id).toBe('t9999');
    expect(criticalPathLength(chain).get('t0')).toBe(10_000);
    expect(findCycle(chain)).toBeNull();
  });
});

describe('criticalPathLength', () => {
  // a ← b ← c, a ← d, e alone: the longest chain from a is a, b, c.
  const chain = [node('a'), node('b', ['a']), node('c', ['b']), node('d', ['a']), node('e')];

  it('counts the longest chain of not-done work starting at each task', () => {
    expect(Object.fromEntries(criticalPathLength(chain))).toEqual({ a: 3, b: 2, c: 1, d: 1, e: 1 });
  });

  it('counts done tasks as no work', () => {
    const withDone = chain.map((task) =>
      task.id === 'a' || task.id === 'b' ? { ...task, status: 'done' as const } : task,
    );
    expect(Object.fromEntries(criticalPathLength(withDone))).toEqual({ a: 1, b: 1, c: 1, d: 1, e: 1 });
  });

  it('takes the heavier branch of a diamond with weights', () => {
    // a ← b ← d, a ← c ← d; c weighs 5.
    const diamond = [node('a'), node('b', ['a']), node('c', ['a']), node('d', ['b', 'c'])];
    const lengths = criticalPathLength(diamond, (task) => (task.id === 'c' ? 5 : 1));
    expect(Object.fromEntries(lengths)).toEqual({ a: 7, b: 2, c: 6, d: 1 });
  });

  it('is at least one more than every dependent on random DAGs', () => {
    const violations: string[] = [];
    for (let seed = 1; seed <= 50; seed++) {
      const tasks = randomDag(seed, 30);
      const lengths = criticalPathLength(tasks);
      for (const task of tasks) {
        for (const dep of task.dependsOn) {
          if ((lengths.get(dep) ?? 0) < (lengths.get(task.id) ?? 0) + 1)
            violations.push(`seed ${seed}: ${dep} → ${task.id}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('terminates on a cycle', () => {
    expect(criticalPathLength([node('a', ['b']), node('b', ['a'])]).size).toBe(2);
  });
});

describe('readyTasks', () => {
  it('returns pending tasks whose dependencies are all done', () => {
    const tasks = [
      node('a', [], { status: 'done' }),
      node('b', ['a']),
      node('c', ['b']),
      node('d', [], { status: 'running' }),
      node('e', ['a', 'd']),
      node('f', ['ghost']),
      node('g', [], { status: 'blocked' }),
    ];
    expect(ids(readyTasks(tasks))).toEqual(['b']);
  });

  it('orders by priority (higher first), then critical path (longer first), then id', () => {
    const tasks = [
      node('z-long'),
      node('z-long-2', ['z-long']),
      node('b-short'),
      node('a-short'),
      node('urgent', [], { priority: 3 }),
      node('later', [], { priority: -1 }),
    ];
    expect(ids(readyTasks(tasks))).toEqual(['urgent', 'z-long', 'a-short', 'b-short', 'later']);
  });
});

describe('dependents', () => {
  const tasks = [node('a'), node('b', ['a']), node('c', ['b']), node('d', ['a']), node('e')];

  it('lists direct dependents by default, in list order', () => {
    expect(ids(dependents(tasks, 'a'))).toEqual(['b', 'd']);
  });

  it('lists transitive dependents on request', () => {
    expect(ids(dependents(tasks, 'a', { transitive: true }))).toEqual(['b', 'c', 'd']);
    expect(ids(dependents(tasks, 'e', { transitive: true }))).toEqual([]);
  });
});

describe('unrunnableTasks', () => {
  it('finds pending tasks behind a blocked one, at any depth', () => {
    const tasks = [
      node('a', [], { status: 'blocked' }),
      node('b', ['a']),
      node('c', ['b']),
      node('d', ['c'], { status: 'done' }),
      node('e'),
    ];
    expect([...unrunnableTasks(tasks).keys()]).toEqual(['b', 'c']);
    expect(unrunnableTasks(tasks).get('b')).toBe('depends on blocked task "a"');
    expect(unrunnableTasks(tasks).get('c')).toBe('depends on "b", which can never run');
  });

  it('also finds tasks waiting on unknown ids or sitting in a cycle', () => {
    const tasks = [node('a', ['ghost']), node('b', ['c']), node('c', ['b']), node('d', ['c']), node('e')];
    const reasons = unrunnableTasks(tasks);
    expect(reasons.get('a')).toBe('depends on unknown task "ghost"');
    expect(reasons.get('b')).toBe('in a dependency cycle: b → c → b');
    expect(reasons.get('d')).toBe('depends on "c", which can never run');
    expect([...reasons.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('is empty when everything can still run', () => {
    expect(unrunnableTasks([node('a', [], { status: 'running' }), node('b', ['a'])]).size).toBe(0);
  });
});
