/**
 * The starting frame enters the alternate screen and draws in one write: with two, a slow process
 * (a loaded machine) left the terminal blank between them, and the board e2e saw that blank screen
 * after Enter (test/e2e/board-screen.test.ts, 2 of 6 CI runs at load 10).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { showStartingFrame } from '../../source/cli/starting-frame.js';
import { ENTER_ALT_SCREEN, LEAVE_ALT_SCREEN } from '../../source/ui/terminal-screen.js';

afterEach(() => vi.restoreAllMocks());

describe('the starting frame', () => {
  it('is on the screen in the same write that enters the alternate screen', () => {
    const writes: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      writes.push(String(chunk));
      return true;
    });
    const frame = showStartingFrame('nightshift · demo', 'starting the engine …');
    frame.update('starting the engine …');
    frame.update('reaching the engine …');
    frame.release();
    expect(writes[0]?.startsWith(ENTER_ALT_SCREEN)).toBe(true);
    expect(writes[0]).toContain('nightshift · demo');
    expect(writes[0]).toContain('starting the engine …');
    expect(writes.slice(1).map((write) => write.includes('reaching the engine …'))).toEqual([true, false]);
    expect(writes.at(-1)).toBe(LEAVE_ALT_SCREEN);
  });
});
