/**
 * Reading a checkout's HEAD and a branch's commit from the files git keeps, without a git process
 * (DESIGN.md §9: ≤ 20 ms of engine overhead per task, and each git process costs a few ms on a
 * quiet machine and ~100 ms on a loaded one). Only the plain layout is read: a `.git` folder or a
 * worktree's `.git` file, loose refs and `packed-refs`. Anything else — a reftable repository, a
 * symbolic ref that is not a branch, a tag, a name git might read another way — answers
 * undefined, and the caller asks git. Git writes refs by renaming a lock file into place, so a
 * read sees the old sha or the new one, never half of one.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** The git dir and the common dir of the checkout whose top folder is `checkout`, or undefined. */
export function gitDirs(
  checkout: string,
): { readonly gitDir: string; readonly commonDir: string } | undefined {
  const dotGit = path.join(checkout, '.git');
  try {
    if (statSync(dotGit).isDirectory()) return { gitDir: dotGit, commonDir: dotGit };
    const gitdir = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim();
    if (!gitdir) return undefined;
    const own = path.resolve(checkout, gitdir);
    const commondir = path.join(own, 'commondir');
    const common = existsSync(commondir) ? path.resolve(own, readFileSync(commondir, 'utf8').trim()) : own;
    return { gitDir: own, commonDir: common };
  } catch {
    return undefined;
  }
}

/** The sha HEAD of `checkout` points at (a branch's commit, or a detached sha), or undefined. */
export function readHead(checkout: string): string | undefined {
  return readCheckedOut(checkout)?.head;
}

/**
 * What `checkout` has checked out: its branch (null when detached) and that commit, read from
 * git's files; undefined when git must answer (not a plain layout, an unborn branch, a symbolic
 * ref that is not a branch).
 */
export function readCheckedOut(
  checkout: string,
): { readonly branch: string | null; readonly head: string } | undefined {
  const dirs = gitDirs(checkout);
  if (!dirs || existsSync(path.join(dirs.commonDir, 'reftable'))) return undefined;
  const text = readText(path.join(dirs.gitDir, 'HEAD'));
  if (text === undefined) return undefined;
  if (SHA.test(text)) return { branch: null, head: text };
  const ref = /^ref: (refs\/heads\/\S+)$/.exec(text)?.[1];
  const head = ref === undefined ? undefined : readFullRef(dirs.commonDir, ref);
  return ref === undefined || head === undefined
    ? undefined
    : { branch: ref.slice('refs/heads/'.length), head };
}

/**
 * The commit branch `name` points at, read as `git rev-parse name` would: only when no ref that
 * git tries before `refs/heads/<name>` exists (`<gitdir>/<name>`, `refs/<name>`,
 * `refs/tags/<name>`). Undefined when git must answer.
 */
export function readBranch(checkout: string, name: string): string | undefined {
  if (!/^[A-Za-z0-9._/-]+$/.test(name) || name.includes('..') || name.endsWith('/')) return undefined;
  const dirs = gitDirs(checkout);
  if (!dirs || existsSync(path.join(dirs.commonDir, 'reftable'))) return undefined;
  // A full branch name is itself the first thing git tries.
  if (name.startsWith('refs/heads/')) return readFullRef(dirs.commonDir, name);
  if (name.startsWith('refs/')) return undefined;
  for (const before of [path.join(dirs.gitDir, name), path.join(dirs.commonDir, name)])
    if (existsSync(before)) return undefined;
  for (const ref of [`refs/${name}`, `refs/tags/${name}`])
    if (existsSync(path.join(dirs.commonDir, ref)) || packedRef(dirs.commonDir, ref) !== null)
      return undefined;
  return readFullRef(dirs.commonDir, `refs/heads/${name}`);
}

/** A full ref's sha: the loose file, else its `packed-refs` line; undefined when neither holds it. */
function readFullRef(commonDir: string, ref: string): string | undefined {
  const loose = readText(path.join(commonDir, ref));
  if (loose !== undefined) return SHA.test(loose) ? loose : undefined;
  return packedRef(commonDir, ref) ?? undefined;
}

/** The sha of `ref` in `packed-refs`; null when it is not there (or there is no such file). */
function packedRef(commonDir: string, ref: string): string | null {
  const text = readText(path.join(commonDir, 'packed-refs'));
  if (text === undefined) return null;
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0 && line.slice(space + 1) === ref && SHA.test(line.slice(0, space)))
      return line.slice(0, space);
  }
  return null;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}
