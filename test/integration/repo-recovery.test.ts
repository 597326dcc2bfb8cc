/**
 * Repository repair after a dead engine (issue 9): a stale `index.lock` that nightshift's own
 * killed git left is removed with a line saying so; a lock while a git process runs in the
 * repository is never touched; a lock no nightshift git could have made is left to the person.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repairRepository } from '../../source/git/repo-recovery.js';
import { tempDir, tempGitRepo } from '../support/cli.js';
import { waitFor } from '../support/engine-fixtures.js';

/** A journal entry for a git process that is gone (pid 2^22 + 1 is above Linux's pid_max default). */
function deadEntry(journal: string, cwd: string, startedAt: number): void {
  mkdirSync(journal, { recursive: true });
  const pid = 4194305;
  writeFileSync(
    path.join(journal, String(pid)),
    JSON.stringify({ pid, cwd, args: ['merge', '--ff-only', 'x'], startedAt }),
  );
}

/** A repository with a `.git/index.lock`, and the journal of nightshift's git processes (one dead entry when asked). */
async function lockedRepo(deadGit: boolean): Promise<{ repo: string; journal: string }> {
  const repo = await tempGitRepo();
  const journal = path.join(await tempDir(), 'git-running');
  if (deadGit) deadEntry(journal, repo, Date.now() - 1000);
  writeFileSync(path.join(repo, '.git', 'index.lock'), '');
  return { repo, journal };
}

/** Repairs `repo` with `journal`; the report's lines as one text. */
async function repair(repo: string, journal: string): Promise<string> {
  const report = await repairRepository(repo, {
    journalDir: journal,
    worktreesDir: await tempDir(),
    keepBranches: new Set(),
  });
  return report.lines.join('\n');
}

describe('repository repair', () => {
  it('removes the stale index.lock of its own dead git, with a line', async () => {
    const { repo, journal } = await lockedRepo(true);
    const lines = await repair(repo, journal);
    expect(existsSync(path.join(repo, '.git', 'index.lock'))).toBe(false);
    expect(lines).toMatch(/removed stale \.git\/index\.lock left by nightshift's git \(pid 4194305/);
  });

  it('never removes a lock while a git process runs in the repository', async () => {
    const { repo, journal } = await lockedRepo(true);
    // A live git (waiting on its stdin) working in the repository, as a person's `git commit` in an editor would be.
    const live = spawn('git', ['hash-object', '--stdin'], { cwd: repo, stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      await waitFor(() => live.pid !== undefined && existsSync(`/proc/${live.pid}/cwd`), {
        what: 'git to start',
      });
      const lines = await repair(repo, journal);
      expect(existsSync(path.join(repo, '.git', 'index.lock'))).toBe(true);
      expect(lines).toMatch(/left 1 git lock file alone: git is running in the repository \(pid \d+/);
    } finally {
      live.stdin.end();
    }
  });

  it('leaves a lock that no git of nightshift could have made', async () => {
    const { repo, journal } = await lockedRepo(false);
    const lines = await repair(repo, journal);
    expect(existsSync(path.join(repo, '.git', 'index.lock'))).toBe(true);
    expect(lines).toMatch(/left \.git\/index\.lock: no git process of nightshift's made it/);
  });
});
