/**
 * The diff view on canned answers: `d` asks the engine for the selected task's diff, colours added
 * and removed lines, says why there is none, and a late answer for a view already left is dropped.
 */
import { describe, expect, it } from 'vitest';
import { boardReducer, initialBoardState } from '../../source/ui/board-state.js';
import { diffRows } from '../../source/ui/DiffView.js';
import { createTheme } from '../../source/ui/theme.js';
import type { TaskDiffView } from '../../source/report/task-diff-view.js';
import { createFakeClient, makeTask } from './fake-client.js';
import { KEY, renderBoard, waitFor, waitForText } from './helpers.js';

const VIEW: TaskDiffView = {
  taskId: 't1',
  source: 'commit',
  label: 'landed commit 1a2b3c4d (attempt 1)',
  text: 'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old line\n+new line\n context\n',
};

describe('the diff view', () => {
  it('colours added lines green, removed red, hunks accented', () => {
    const theme = createTheme(false);
    const rows = diffRows(VIEW, undefined, theme);
    const colourOf = (text: string): string | undefined =>
      rows.find((row) => row[0]?.text === text)?.[0]?.colour;
    expect(colourOf('+new line')).toBe(theme.status.done);
    expect(colourOf('-old line')).toBe(theme.status.blocked);
    expect(colourOf('@@ -1 +1 @@')).toBe(theme.accent);
    expect(colourOf(' context')).toBeUndefined();
    expect(theme.status.done).not.toBe(theme.status.blocked);
  });

  it('d on the selected task shows what the engine answers; esc and q go back', async () => {
    const client = createFakeClient({ tasks: [makeTask({ id: 't1', title: 'First', status: 'done' })] });
    client.respond = (name) => (name === 'task-diff' ? { ok: true, value: VIEW } : { ok: true });
    const board = renderBoard(client, { columns: 100, rows: 30 });
    await waitForText(board.frame, 't1');
    board.stdin.write('j');
    board.stdin.write('d');
    await waitForText(board.frame, 'diff t1', 'landed commit 1a2b3c4d', '+new line', '-old line');
    expect(client.commands.find((c) => c.name === 'task-diff')?.args).toEqual({ id: 't1' });
    board.stdin.write('q');
    await waitFor(() => !board.frame().includes('diff t1'));
    expect(board.exits).toEqual([]);
    board.stdin.write('d');
    await waitForText(board.frame, 'diff t1');
    board.stdin.write(KEY.esc);
    await waitFor(() => !board.frame().includes('diff t1'));
    board.unmount();
  });

  it('says why there is no diff', async () => {
    const client = createFakeClient({ tasks: [makeTask({ id: 't1', title: 'First' })] });
    client.respond = () => ({ ok: false, error: 'no task "t1"' });
    const board = renderBoard(client, { columns: 100, rows: 30 });
    await waitForText(board.frame, 't1');
    board.stdin.write('j');
    board.stdin.write('d');
    await waitForText(board.frame, 'no diff: no task "t1"');
    board.unmount();
  });

  it('drops an answer for a view already left', () => {
    const open = boardReducer(initialBoardState, {
      type: 'enter-mode',
      mode: { kind: 'diff', taskId: 't2', scroll: 0, view: null },
    });
    const late = boardReducer(open, { type: 'diff-loaded', taskId: 't1', view: VIEW });
    expect(late).toBe(open);
    const loaded = boardReducer(open, { type: 'diff-loaded', taskId: 't2', view: { ...VIEW, taskId: 't2' } });
    expect(loaded.mode.kind === 'diff' && loaded.mode.view?.label).toBe(VIEW.label);
  });
});
