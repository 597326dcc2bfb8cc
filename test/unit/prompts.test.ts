/**
 * attempt/prompts.ts (templates, override chain, task values) history/history.ts and tasks/learning.ts.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendEvent, appendProgress, attemptLogPaths } from '../../source/history/history.js';
import { appendLearning, appendTaskLearning } from '../../source/tasks/learning.js';
import {
  buildTaskPromptValues,
  loadPrompt,
  PROMPT_NAMES,
  renderTemplate,
  truncateMiddle,
} from '../../source/attempt/prompts.js';
import { projectPaths, templatesDir } from '../../source/paths.js';
import { taskSchema, type Task, type TaskInput } from '../../source/tasks/model.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ns-prompts-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function task(fields: Partial<TaskInput> = {}): Task {
  const at = '2025-01-01T00:00:00.000Z';
  return taskSchema.parse({ id: 'T3', title: 'Add login', createdAt: at, updatedAt: at, ...fields });
}

describe('renderTemplate', () => {
  it('fills placeholders, unknown ones empty, spaces allowed', () => {
    expect(renderTemplate('Hi {{name}}, {{ task_id }}!{{missing}}', { name: 'Ada', task_id: 'T1' })).toBe(
      'Hi Ada, T1!',
    );
  });
  it('never re-expands inserted values', () => {
    expect(renderTemplate('{{a}}', { a: '{{b}}', b: 'no' })).toBe('{{b}}');
  });
  it('keeps if-blocks only for non-empty values', () => {
    const text = 'start{{#if conflict}}\nConflict: {{conflict}}{{/if}}{{#if other}}X{{/if}} end';
    expect(renderTemplate(text, { conflict: 'a.txt' })).toBe('start\nConflict: a.txt end');
    expect(renderTemplate(text, { conflict: '  ' })).toBe('start end');
  });
  it('does not treat own properties of objects as values', () => {
    expect(renderTemplate('{{constructor}}{{toString}}', {})).toBe('');
  });
});

describe('loadPrompt', () => {
  it('prefers the project override, then the shipped template', async () => {
    const shipped = path.join(root, 'shipped');
    await mkdir(shipped);
    await writeFile(path.join(shipped, 'code.md'), 'shipped {{task_id}}');
    await writeFile(path.join(shipped, 'plan.md'), 'shipped plan');
    await mkdir(path.join(root, '.nightshift', 'prompts'), { recursive: true });
    await writeFile(path.join(root, '.nightshift', 'prompts', 'code.md'), 'override {{task_id}}');

    const code = await loadPrompt('code', root, shipped);
    expect(code).toMatchObject({ text: 'override {{task_id}}', overridden: true });
    const plan = await loadPrompt('plan', root, shipped);
    expect(plan).toMatchObject({
      text: 'shipped plan',
      overridden: false,
      path: path.join(shipped, 'plan.md'),
    });
    await expect(loadPrompt('review', root, shipped)).rejects.toThrow(/No prompt template "review"/);
  });

  it('finds every shipped template in the package', async () => {
    for (const name of PROMPT_NAMES) {
      const prompt = await loadPrompt(name, root);
      expect(prompt.path).toBe(path.join(templatesDir, 'prompts', `${name}.md`));
      expect(prompt.text.length).toBeGreaterThan(0);
    }
  });
});

describe('buildTaskPromptValues', () => {
  const attempts: TaskInput['attempts'] = [1, 2, 3, 4].map((n) => ({
    n,
    runId: 'r1',
    backend: 'sim',
    startedAt: '2025-01-01T00:00:00.000Z',
    outcome: n === 4 ? ('running' as const) : ('failed' as const),
    summary: `summary ${n}\nsecond line`,
    ...(n === 3 ? { reflection: 'check the null case' } : {}),
  }));

  it('renders steps, lists, attempts and learnings as the templates expect', () => {
    const values = buildTaskPromptValues(
      task({
        description: 'Users log in.\n',
        steps: ['Write the form', 'Add the route'],
        docs: ['docs/auth.md'],
        verification: { commands: ['npm test'], pathPatterns: ['src/**'] },
        attempts,
      }),
      {
        attempt: 4,
        maxAttempts: 4,
        learnings: Array.from({ length: 15 }, (_, i) => `lesson ${i}`),
        projectName: 'app',
        agentRules: '# Rules\n',
        conflict: 'src/a.ts conflicts',
      },
    );
    expect(values).toMatchObject({
      project_name: 'app',
      agent_rules: '# Rules',
      task_id: 'T3',
      task_title: 'Add login',
      task_description: 'Users log in.',
      steps: '1. Write the form\n2. Add the route',
      docs: '- `docs/auth.md`',
      verification_commands: '- `npm test`',
      path_patterns: '- `src/**`',
      attempt: '4',
      max_attempts: '4',
      conflict: 'src/a.ts conflicts',
    });
    expect(values['previous_attempts']).toBe(
      '- attempt 1 (failed): summary 1 second line\n' +
        '- attempt 2 (failed): summary 2 second line\n' +
        '- attempt 3 (failed): summary 3 second line — reflection: check the null case',
    );
    expect(values['learnings']?.split('\n')).toHaveLength(10);
    expect(values['learnings']).toMatch(/^- lesson 5\n[\s\S]*- lesson 14$/);
  });

  it('leaves absent things empty and fills the shipped code template cleanly', async () => {
    const values = buildTaskPromptValues(task({ verification: { commands: ['make check'] } }), {
      attempt: 1,
      maxAttempts: 3,
      learnings: [],
      projectName: 'app',
    });
    expect(values).toMatchObject({
      previous_attempts: '',
      learnings: '',
      conflict: '',
      docs: '',
      path_patterns: '',
    });
    const prompt = renderTemplate((await loadPrompt('code', root)).text, values);
    expect(prompt).toContain('T3');
    expect(prompt).toContain('`make check`');
    expect(prompt).not.toMatch(/\{\{/);
  });
});

describe('truncateMiddle', () => {
  it('keeps the head and the tail with a marker', () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const cut = truncateMiddle(text, 10);
    expect(cut.split('\n')).toHaveLength(11);
    expect(cut).toContain('… 90 lines cut …');
    expect(cut.startsWith('line 0\n')).toBe(true);
    expect(cut.endsWith('line 99')).toBe(true);
    expect(truncateMiddle('short')).toBe('short');
  });
});

describe('history', () => {
  it('appends progress lines under a heading, and events as JSON lines', async () => {
    const paths = projectPaths(root);
    await appendProgress(paths, {
      at: '2025-01-01T00:00:00Z',
      taskId: 'T1',
      title: 'Login',
      attempt: 2,
      outcome: 'passed',
      commit: 'abcdef1234567',
      costUsd: 0.4213,
      summary: 'did\nit',
    });
    await appendProgress(paths, { at: '2025-01-01T01:00:00Z', taskId: 'T2', attempt: 1, outcome: 'failed' });
    expect(await readFile(paths.progress, 'utf8')).toBe(
      '# nightshift progress\n\n' +
        '- 2025-01-01T00:00:00Z · **T1** Login · attempt 2 · passed · commit abcdef1234 · $0.42 — did it\n' +
        '- 2025-01-01T01:00:00Z · **T2** · attempt 1 · failed · no commit · $0.00\n',
    );
    await appendEvent(paths, { type: 'x', n: 1 });
    await appendEvent(paths, 'raw\nline');
    expect(await readFile(paths.events, 'utf8')).toBe('{"type":"x","n":1}\nraw\\nline\n');
  });

  it('names attempt logs under the run folder', () => {
    const logs = attemptLogPaths(projectPaths('/p'), 'run-1', 'T/../x', 3);
    expect(logs).toEqual({
      dir: '/p/.nightshift/logs/run-1',
      log: '/p/.nightshift/logs/run-1/T_.._x.3.log',
      jsonl: '/p/.nightshift/logs/run-1/T_.._x.3.jsonl',
    });
  });

  it('keeps journals bounded and free of repeats', () => {
    let journal = appendLearning([], { at: 'a', taskId: 'T1', text: 'use  pnpm' }, 3);
    journal = appendLearning(journal, { at: 'b', text: 'tests need Docker' }, 3);
    journal = appendLearning(journal, { at: 'c', taskId: 'T1', text: 'Use pnpm' }, 3);
    expect(journal.map((entry) => entry.at)).toEqual(['b', 'c']);
    journal = appendLearning(journal, { at: 'd', text: 'one' }, 3);
    journal = appendLearning(journal, { at: 'e', text: 'two' }, 3);
    expect(journal.map((entry) => entry.at)).toEqual(['c', 'd', 'e']);
    expect(appendTaskLearning(['a', 'b', 'c'], 'A', 3)).toEqual(['b', 'c', 'A']);
    expect(appendTaskLearning(['a'], '  ', 3)).toEqual(['a']);
  });
});
