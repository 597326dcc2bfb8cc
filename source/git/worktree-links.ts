/**
 * Ignored folders of the main checkout (`node_modules`, `.venv`) symlinked into a worktree, so an
 * attempt's tests run without reinstalling, and kept out of `git status` there.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { git } from './git.js';
import type { RepoCache } from './repo-cache.js';

/** Symlinks each of `links` (repository-relative) that the main checkout has into `worktreePath`. */
export async function linkFolders(
  repoRoot: string,
  worktreePath: string,
  links: readonly string[],
  cache: RepoCache,
): Promise<void> {
  for (const link of links) {
    const source = path.join(repoRoot, link);
    const dest = path.join(worktreePath, link);
    if (existsSync(source) && !existsSync(dest)) {
      await mkdir(path.dirname(dest), { recursive: true });
      await symlink(source, dest);
      await ignoreLink(repoRoot, worktreePath, link, cache);
    }
  }
}

/**
 * A symlink is not a directory, so a `node_modules/` ignore rule does not cover the link and it
 * would show up as a change (failing path checks, riding into commits). Such links are added to
 * the repository's shared `info/exclude` as `/<link>`, once. That file is read first: once the
 * rule is there (from the first attempt of a run on), no git call is needed.
 */
async function ignoreLink(
  repoRoot: string,
  worktreePath: string,
  link: string,
  cache: RepoCache,
): Promise<void> {
  const posixLink = link.split(path.sep).join('/');
  const rule = `/${posixLink}`;
  // The common git folder is where the repository lives: fixed for the run.
  cache.commonDir ??= git(repoRoot, ['rev-parse', '--git-common-dir']).then(
    (out) => path.resolve(repoRoot, out.stdout.trim()),
    (error: unknown) => {
      cache.commonDir = undefined;
      throw error;
    },
  );
  const excludeFile = path.join(await cache.commonDir, 'info', 'exclude');
  const current = existsSync(excludeFile) ? await readFile(excludeFile, 'utf8') : '';
  if (current.split('\n').includes(rule)) return;
  const ignored = await git(worktreePath, ['check-ignore', '-q', '--no-index', posixLink], {
    allowFailure: true,
  });
  if (ignored.exitCode === 0) return;
  await mkdir(path.dirname(excludeFile), { recursive: true });
  const separator = current === '' || current.endsWith('\n') ? '' : '\n';
  await appendFile(excludeFile, `${separator}# nightshift: linked into worktrees\n${rule}\n`);
}
