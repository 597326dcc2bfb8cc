/**
 * `git status` read once for everything an attempt asks of it: the branch, HEAD and every
 * uncommitted path with whether it is staged (one process instead of `symbolic-ref`,
 * `rev-parse HEAD`, `status` and `diff --cached`; DESIGN §9 counts every spawn).
 */
import { git, splitNul } from './git-exec.js';

/** One uncommitted path, and whether the index holds a change to it. */
export interface StatusChange {
  readonly path: string;
  readonly staged: boolean;
}

/** A checkout's branch, HEAD and uncommitted paths, from one `git status`. */
export interface CheckoutStatus {
  /** The checked-out branch's short name, or null on a detached HEAD. */
  readonly branch: string | null;
  /** HEAD's sha, or null before the first commit. */
  readonly head: string | null;
  /** Staged, unstaged and untracked paths (ignored ones excluded); a deletion is a change too. */
  readonly changes: readonly StatusChange[];
}

/**
 * Untracked files one by one (not their folder), renames as a deletion and an addition, and no
 * ahead/behind counts: they are not needed and can cost a walk of history.
 */
const STATUS_ARGS = [
  'status',
  '--porcelain=v2',
  '--branch',
  '--no-ahead-behind',
  '-z',
  '--untracked-files=all',
  '--no-renames',
];

/** Parses `git status --porcelain=v2 --branch -z` output. Pure. */
export function parseStatus(stdout: string): CheckoutStatus {
  let branch: string | null = null;
  let head: string | null = null;
  const changes: StatusChange[] = [];
  const entries = splitNul(stdout);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] ?? '';
    if (entry.startsWith('# branch.oid ')) {
      const oid = entry.slice('# branch.oid '.length);
      head = oid === '(initial)' ? null : oid;
    } else if (entry.startsWith('# branch.head ')) {
      const name = entry.slice('# branch.head '.length);
      branch = name === '(detached)' ? null : name;
    } else if (entry.startsWith('? ')) {
      changes.push({ path: entry.slice(2), staged: false });
    } else if (/^[12u] /.test(entry)) {
      // "1 XY …", "2 XY …" and "u XY …": the path follows 8, 9 or 10 fields; X is the index
      // column ("." when only the working tree differs), and an unmerged path counts as staged.
      // A rename (not expected with --no-renames) names its original path in the next entry.
      const kind = entry[0];
      const fields = kind === '1' ? 8 : kind === '2' ? 9 : 10;
      const staged = kind === 'u' || entry[2] !== '.';
      changes.push({ path: entry.replace(new RegExp(`^(?:[^ ]* ){${fields}}`), ''), staged });
      if (kind === '2') changes.push({ path: entries[++i] ?? '', staged });
    }
  }
  return { branch, head, changes: changes.filter((change) => change.path !== '') };
}

/** The status of the checkout at `cwd`; throws a UserError when git fails. */
export async function readStatus(cwd: string): Promise<CheckoutStatus> {
  return parseStatus((await git(cwd, STATUS_ARGS)).stdout);
}

/**
 * The status of the checkout at `cwd`, or null when it is none (e.g. a folder deleted meanwhile).
 * For checkouts that are not ours (the user's): `--no-optional-locks` keeps git from refreshing
 * and rewriting their index, which takes index.lock and makes the user's own `git add` or
 * `git commit` at that moment fail with "index.lock: File exists".
 */
export async function checkoutStatus(cwd: string): Promise<CheckoutStatus | null> {
  const out = await git(cwd, ['--no-optional-locks', ...STATUS_ARGS], { allowFailure: true });
  return out.exitCode === 0 ? parseStatus(out.stdout) : null;
}
