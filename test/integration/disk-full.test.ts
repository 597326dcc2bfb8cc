/**
 * A full disk (issue 9): the error names the file that could not be written, and no
 * `engine.lock.*.tmp` is left behind. The project's `.nightshift/` is put on a tiny tmpfs and
 * filled up; this needs root (mount), so elsewhere the test is skipped.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupProjects, simProject, simTask, simWrite } from '../support/engine-fixtures.js';

afterEach(cleanupProjects);

/** Whether this process may mount a tmpfs (root on Linux, mount not forbidden). */
function canMountTmpfs(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(path.join(os.tmpdir(), 'nightshift-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

describe.skipIf(!canMountTmpfs())('a full disk', () => {
  it('names the file it could not write and leaves no engine.lock temp file', async () => {
    const project = await simProject();
    await project.importTasks([simTask('a', simWrite('a.txt', 'a'), ['test -f a.txt'])]);
    const dir = path.join(project.dir, '.nightshift');
    const saved = mkdtempSync(path.join(os.tmpdir(), 'nightshift-saved-'));
    cpSync(dir, saved, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
    try {
      cpSync(saved, dir, { recursive: true });
      // Fill every page that is left.
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${path.join(dir, 'filler')}`, 'bs=4k'], { stdio: 'ignore' });
      } catch {
        // dd stops with "No space left on device": that is the point
      }
      const run = await project.cli(['run', '--no-ui']);
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toMatch(/could not write .*\.nightshift\/engine\.lock: the disk is full/);
      expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    } finally {
      execFileSync('umount', ['-l', dir]);
      rmSync(saved, { recursive: true, force: true });
    }
  }, 60_000);
});
