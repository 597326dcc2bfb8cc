/**
 * The board's pure parts: reducer, binding table, output rings, task grouping and graph levels,
 * formatting.
 */
import { describe, expect, it } from 'vitest';
import {
  boardReducer,
  initialBoardState,
  moveSelection,
  type BoardAction,
} from '../../source/ui/board-state.js';
import { truncate, formatDuration, plainLine, wrapText } from '../../source/ui/format.js';
import { BINDINGS, keyName, resolveAction, type ActionName } from '../../source/ui/keys/bindings.js';
import { computeLayout } from '../../source/ui/layout.js';
import { taskIdFromTitle } from '../../source/ui/new-task.js';
import { OutputRings } from '../../source/ui/output-rings.js';
import { graphLevels, groupTasks, queueProgress } from '../../source/ui/task-groups.js';
import { makeTask } from './fake-client.js';

const NO_KEY = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageUp: false,
  pageDown: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
};

describe('binding table', () => {
  it('names every action once and gives each keys and a description', () => {
    const actions = BINDINGS.map((binding) => binding.action);
    expect(new Set(actions).size).toBe(actions.length);
    for (const binding of BINDINGS) {
      expect(binding.keys.length).toBeGreaterThan(0);
      expect(binding.description.length).toBeGreaterThan(1);
    }
  });

  it('has no key bound twice in the same mode and pane', () => {
    for (const mode of [
      'normal',
      'help',
      'detail',
      'graph',
      'attach',
      'filter',
      'form',
      'confirm',
    ] as const) {
      for (const focus of ['tasks', 'agents', 'log'] as const) {
        const seen = new Map<string, ActionName>();
        for (const binding of BINDINGS) {
          if (
            !binding.modes.includes(mode) ||
            (mode === 'normal' && binding.panes && !binding.panes.includes(focus))
          )
            continue;
          for (const key of binding.keys) {
            expect(seen.get(key), `${key} in ${mode}/${focus}`).toBeUndefined();
            seen.set(key, binding.action);
          }
        }
      }
    }
  });

  it('resolves keys by mode and pane', () => {
    expect(resolveAction(keyName('j', NO_KEY), { mode: 'normal', focus: 'tasks' })).toBe('down');
    expect(resolveAction(keyName('', { ...NO_KEY, downArrow: true }), { mode: 'form', focus: 'tasks' })).toBe(
      'next-field',
    );
    expect(resolveAction(keyName('j', NO_KEY), { mode: 'form', focus: 'tasks' })).toBeUndefined();
    expect(resolveAction(keyName('n', NO_KEY), { mode: 'confirm', focus: 'tasks' })).toBe('confirm-no');
    expect(resolveAction(keyName('n', NO_KEY), { mode: 'normal', focus: 'tasks' })).toBe('new-task');
    expect(resolveAction(keyName('r', NO_KEY), { mode: 'normal', focus: 'agents' })).toBeUndefined();
    expect(resolveAction(keyName('u', { ...NO_KEY, ctrl: true }), { mode: 'normal', focus: 'log' })).toBe(
      'page-up',
    );
    expect(
      resolveAction(keyName('', { ...NO_KEY, tab: true, shift: true }), { mode: 'normal', focus: 'log' }),
    ).toBe('focus-prev');
    expect(resolveAction(keyName('', { ...NO_KEY, delete: true }), { mode: 'filter', focus: 'log' })).toBe(
      'backspace',
    );
  });
});

describe('board reducer', () => {
  const run = (...actions: BoardAction[]) => actions.reduce(boardReducer, initialBoardState);

  it('cycles focus and picks the first agent on entering the agents pane', () => {
    const state = run({ type: 'focus', delta: 1, firstAgentId: 'a1' });
    expect(state.focus).toBe('agents');
    expect(state.selectedAgent).toBe('a1');
    expect(run({ type: 'focus', delta: -1, firstAgentId: 'a1' }).focus).toBe('log');
  });

  it('edits the filter draft, applies it, and esc restores the previous filter', () => {
    const typed = run(
      { type: 'enter-mode', mode: { kind: 'filter', draft: '', previous: 'old' } },
      { type: 'text-insert', text: 'abc' },
      { type: 'text-backspace' },
    );
    expect(typed.mode).toEqual({ kind: 'filter', draft: 'ab', previous: 'old' });
    expect(boardReducer(typed, { type: 'filter-apply' }).filter).toBe('ab');
    expect(boardReducer(typed, { type: 'back' }).filter).toBe('old');
  });

  it('clamps log scroll, and notices clear only by their own id', () => {
    expect(run({ type: 'scroll-log', delta: 50, max: 10 }).logScroll).toBe(10);
    expect(run({ type: 'scroll-log', delta: -5, max: 10 }).logScroll).toBe(0);
    const noticed = run(
      { type: 'notice', text: 'a', level: 'info' },
      { type: 'notice', text: 'b', level: 'info' },
    );
    expect(boardReducer(noticed, { type: 'clear-notice', id: 1 }).notice?.text).toBe('b');
    expect(boardReducer(noticed, { type: 'clear-notice', id: 2 }).notice).toBeNull();
  });

  it('moves selections within bounds', () => {
    expect(moveSelection(null, ['a', 'b'], 1)).toBe('a');
    expect(moveSelection('a', ['a', 'b'], 5)).toBe('b');
    expect(moveSelection('b', ['a', 'b'], -5)).toBe('a');
    expect(moveSelection('x', [], 1)).toBeNull();
  });
});

describe('output rings', () => {
  it('keeps the newest lines per agent and caps the number of agents', () => {
    const rings = new OutputRings({ linesPerAgent: 10, maxAgents: 3, keepRemovedMs: 1000 });
    for (let i = 0; i < 100; i += 1) rings.push('a', `line ${i}`, i);
    expect(rings.lines('a')).toHaveLength(10);
    expect(rings.lines('a').at(-1)).toBe('line 99');
    rings.push('b', 'x', 200);
    rings.push('c', 'x', 300);
    rings.markRemoved('b', 400);
    rings.push('d', 'x', 500);
    // The removed agent goes first, not the oldest live one.
    expect(rings.lines('b')).toEqual([]);
    expect(rings.lines('a')).toHaveLength(10);
    rings.markRemoved('c', 600);
    rings.prune(1500);
    expect(rings.lines('c')).toHaveLength(1);
    rings.prune(1600);
    expect(rings.lines('c')).toEqual([]);
  });
});

describe('task grouping', () => {
  const tasks = [
    makeTask({ id: 'a', status: 'done' }),
    makeTask({ id: 'b', dependsOn: ['a'] }),
    makeTask({ id: 'c', dependsOn: ['b'] }),
    makeTask({ id: 'd', status: 'verifying' }),
    makeTask({ id: 'e', dependsOn: ['zzz'] }),
  ];

  it('groups running/verifying, pending (ready first), blocked, done', () => {
    const groups = groupTasks(tasks, '');
    expect(groups.map((g) => [g.name, g.tasks.map((t) => t.id)])).toEqual([
      ['running', ['d']],
      ['pending', ['b', 'c', 'e']],
      ['blocked', []],
      ['done', ['a']],
    ]);
    expect(groupTasks(tasks, 'VERIF')[0]?.tasks.map((t) => t.id)).toEqual(['d']);
  });

  it('puts tasks in dependency levels, missing dependencies unresolved', () => {
    const { levels, unresolved } = graphLevels(tasks);
    expect(levels.map((level) => level.map((t) => t.id))).toEqual([['a', 'd'], ['b'], ['c']]);
    expect(unresolved.map((t) => t.id)).toEqual(['e']);
  });

  it('estimates the ETA from done tasks', () => {
    const done = makeTask({
      id: 'x',
      status: 'done',
      attempts: [
        {
          n: 1,
          runId: 'r',
          backend: 'sim',
          startedAt: '2025-01-01T10:00:00Z',
          endedAt: '2025-01-01T10:02:00Z',
          outcome: 'passed',
          checks: [],
          tokensIn: 0,
          tokensOut: 0,
          costUsd: 0,
          summary: '',
        },
      ],
    });
    const progress = queueProgress([done, makeTask({ id: 'y' }), makeTask({ id: 'z' })], 2);
    expect(progress).toMatchObject({ total: 3, done: 1, etaMs: 120_000 });
    expect(queueProgress([makeTask({ id: 'y' })], 1).etaMs).toBeUndefined();
  });
});

describe('layout and formatting', () => {
  it('stacks below 120 columns and never exceeds the body', () => {
    for (const [columns, rows] of [
      [80, 24],
      [120, 40],
      [200, 60],
    ] as const) {
      const layout = computeLayout(
        { columns, rows },
        { agentRows: 6, taskRows: 10, taskColumns: 60, events: true },
      );
      expect(layout.height).toBe(rows - 1);
      expect(layout.wide).toBe(columns >= 120);
      const stacked = layout.tasks.height + layout.agents.height + layout.log.height;
      expect(layout.wide ? layout.agents.height + layout.log.height : stacked).toBe(layout.bodyHeight);
      if (layout.wide) expect(layout.tasks.height + (layout.events?.height ?? 0)).toBe(layout.bodyHeight);
    }
  });

  it('gives panes the rows and columns their content needs, and the log the rest', () => {
    // 80x24: a queue of 12 tasks is not capped at a few rows; the log keeps at least 5.
    const small = computeLayout(
      { columns: 80, rows: 24 },
      { agentRows: 2, taskRows: 17, taskColumns: 70, events: false },
    );
    expect(small.tasks.height).toBe(small.bodyHeight - small.agents.height - 5);
    const few = computeLayout(
      { columns: 80, rows: 24 },
      { agentRows: 2, taskRows: 4, taskColumns: 70, events: false },
    );
    expect(few.tasks.height).toBe(4);
    expect(few.log.height).toBe(few.bodyHeight - 4 - 2);
    // 200x55: short titles make a narrow task column; an events pane fills the rows under it.
    const big = computeLayout(
      { columns: 200, rows: 55 },
      { agentRows: 4, taskRows: 8, taskColumns: 64, events: true },
    );
    expect(big.tasks).toEqual({ width: 64, height: 8 });
    expect(big.events).toEqual({ width: 64, height: big.bodyHeight - 8 });
    expect(big.log.width).toBe(200 - 64 - 1);
    expect(
      computeLayout(
        { columns: 200, rows: 55 },
        { agentRows: 4, taskRows: 8, taskColumns: 300, events: false },
      ).tasks,
    ).toEqual({ width: 100, height: big.bodyHeight });
  });

  it('formats and cleans text', () => {
    expect(formatDuration(3_725_000)).toBe('1h02m');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(wrapText('one two three', 7)).toEqual(['one two', 'three']);
    expect(plainLine('\x1b[31mred\x1b[0m\ttab\x1b]0;title\x07!')).toBe('red  tab!');
    expect(taskIdFromTitle('Add: login page!', new Set(['add-login-page']))).toBe('add-login-page-2');
  });
});
