/**
 * What a regression check leaves for people and agents: the reopened task's code prompt (failing
 * output, commits since it last passed) and the last-tested line of the board's task detail.
 */
import { describe, expect, it } from 'vitest';
import { buildTaskPromptValues, loadPrompt, renderTemplate } from '../../source/attempt/prompts.js';
import { taskSchema, type Task, type TaskInput } from '../../source/tasks/model.js';
import { detailRows } from '../../source/ui/detail-lines.js';
import { createTheme } from '../../source/ui/theme.js';

function task(fields: Partial<TaskInput> = {}): Task {
  const at = '2025-01-01T00:00:00.000Z';
  return taskSchema.parse({ id: 'a', title: 'Write a.txt', createdAt: at, updatedAt: at, ...fields });
}

const failed: NonNullable<TaskInput['regression']> = {
  testedAt: '2025-01-02T03:04:05.000Z',
  head: '0123456789abcdef0123456789abcdef01234567',
  outcome: 'failed',
  output: '$ test -f a.txt\n→ FAIL: exit 1 (0.0 s)\n',
  commits: ['89abcde nightshift(b): Task b'],
  caught: 1,
};

async function codePrompt(t: Task): Promise<string> {
  const template = await loadPrompt('code', '/nonexistent');
  return renderTemplate(
    template.text,
    buildTaskPromptValues(t, { attempt: 2, maxAttempts: 4, learnings: [], projectName: 'demo' }),
  );
}

describe('a reopened task', () => {
  it('gets the failing output and the commits since it last passed in its next prompt', async () => {
    const prompt = await codePrompt(task({ regression: failed }));
    expect(prompt).toContain('a regression check found it broken');
    expect(prompt).toContain('Failed on 0123456789');
    expect(prompt).toContain('- 89abcde nightshift(b): Task b');
    expect(prompt).toContain('$ test -f a.txt');
  });

  it('has no regression section when its last check passed or it was never re-tested', async () => {
    expect(await codePrompt(task())).not.toContain('regression check');
    const passed = { ...failed, outcome: 'passed' as const, output: undefined, commits: [] };
    expect(await codePrompt(task({ regression: passed }))).not.toContain('regression check');
  });

  it('shows when it was last tested, on which head and how, in the task detail', () => {
    const rows = detailRows(task({ status: 'pending', regression: failed }), 80, createTheme(true));
    const text = rows.map((row) => row.map((segment) => segment.text).join('')).join('\n');
    expect(text).toMatch(/last tested \d\d:\d\d:\d\d on 01234567: failed · caught 1×/);
  });
});
