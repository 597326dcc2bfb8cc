/**
 * Turns a parsed simple command into the commands that will really run: it drops variable
 * assignments and shell keywords, and peels wrappers (`env`, `timeout`, `nice`, `xargs`, …) so that
 * `env FOO=1 timeout 5 git push` is judged as `git push`. It also finds command text that another
 * program will run as a script (`bash -c '…'`, `eval …`, `find -exec …`).
 */
import type { SimpleCommand } from './shell-parse.js';

/** One way of reading a simple command: the words of a program and its arguments. */
export interface CommandView {
  /** `[program, ...args]`; the program is a basename (`/usr/bin/git` → `git`). */
  readonly words: readonly string[];
  /** True when more arguments arrive at run time (`xargs rm -rf`, `find -exec rm {} ;`). */
  readonly argsFromInput: boolean;
}

/** What a simple command runs: every view (outermost first) and any scripts it hands to a shell. */
export interface ExpandedCommand {
  readonly views: readonly CommandView[];
  /** Scripts run by a nested shell (`bash -c`, `eval`): the caller parses and judges them too. */
  readonly scripts: readonly string[];
}

/** Programs that are shells or run their arguments as shell code. */
export const SHELLS: ReadonlySet<string> = new Set([
  'sh',
  'bash',
  'zsh',
  'dash',
  'ksh',
  'mksh',
  'ash',
  'fish',
  'busybox',
]);

const KEYWORDS = new Set([
  '!',
  '{',
  '}',
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'do',
  'done',
  'while',
  'until',
  'time',
  'esac',
  'coproc',
]);

/** Wrapper → how many words after the wrapper name to skip before the wrapped command. */
type Peel = (args: readonly string[]) => { rest: readonly string[]; argsFromInput?: boolean } | undefined;

/** Skips leading options; `withValue` lists options that take the next word as their value. */
function skipOptions(args: readonly string[], withValue: ReadonlySet<string> = new Set()): readonly string[] {
  let i = 0;
  while (i < args.length) {
    const arg = args[i] ?? '';
    if (arg === '--') return args.slice(i + 1);
    if (!arg.startsWith('-') || arg === '-') break;
    i += withValue.has(arg) ? 2 : 1;
  }
  return args.slice(i);
}

const WRAPPERS: ReadonlyMap<string, Peel> = new Map<string, Peel>([
  [
    'env',
    (a) => ({ rest: stripAssignments(skipOptions(a, new Set(['-u', '--unset', '-C', '--chdir', '-S']))) }),
  ],
  ['command', (a) => (a.includes('-v') || a.includes('-V') ? undefined : { rest: skipOptions(a) })],
  ['builtin', (a) => ({ rest: a })],
  ['exec', (a) => ({ rest: skipOptions(a, new Set(['-a'])) })],
  ['nohup', (a) => ({ rest: skipOptions(a) })],
  ['setsid', (a) => ({ rest: skipOptions(a) })],
  ['chronic', (a) => ({ rest: skipOptions(a) })],
  ['nice', (a) => ({ rest: skipOptions(a, new Set(['-n', '--adjustment'])) })],
  ['ionice', (a) => ({ rest: skipOptions(a, new Set(['-c', '-n', '-p', '-t'])) })],
  ['stdbuf', (a) => ({ rest: skipOptions(a, new Set(['-i', '-o', '-e'])) })],
  ['time', (a) => ({ rest: skipOptions(a, new Set(['-f', '-o'])) })],
  ['timeout', (a) => ({ rest: skipOptions(a, new Set(['-s', '--signal', '-k', '--kill-after'])).slice(1) })],
  [
    'xargs',
    (a) => ({
      rest: skipOptions(
        a,
        new Set(['-I', '-L', '-n', '-P', '-d', '-E', '-s', '-a', '--delimiter', '--max-args']),
      ),
      argsFromInput: true,
    }),
  ],
  // Privilege wrappers are blocked by rule, but peeling them lets the inner command be named too.
  [
    'sudo',
    (a) => ({
      rest: stripAssignments(skipOptions(a, new Set(['-u', '-g', '-U', '-C', '-h', '-p', '-D', '-r', '-t']))),
    }),
  ],
  ['doas', (a) => ({ rest: skipOptions(a, new Set(['-u', '-C'])) })],
]);

const GIT_OPTIONS_WITH_VALUE = new Set([
  '-C',
  '-c',
  '--git-dir',
  '--work-tree',
  '--namespace',
  '--super-prefix',
  '--config-env',
  '--exec-path',
]);

function stripAssignments(words: readonly string[]): readonly string[] {
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*\+?=/.test(words[i] ?? '')) i++;
  return words.slice(i);
}

function basename(program: string): string {
  const slash = program.lastIndexOf('/');
  return slash === -1 ? program : program.slice(slash + 1);
}

/**
 * Drops git's global options so `git -C dir -c k=v push` reads as `git push`, and expands an alias
 * defined on the same line (`git -c alias.p=push p` reads as `git push`; a `!` alias is a script).
 */
function normalizeGit(words: readonly string[]): { words: readonly string[]; script?: string } {
  const aliases = new Map<string, string>();
  const args = words.slice(1);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const value =
      arg === '-c' ? args[i + 1] : arg.startsWith('-c') && arg.length > 2 ? arg.slice(2) : undefined;
    const match = value === undefined ? null : /^alias\.([^=]+)=(.*)$/is.exec(value);
    if (match?.[1] !== undefined) aliases.set(match[1].toLowerCase(), match[2] ?? '');
    if (!arg.startsWith('-')) break;
  }
  const rest = skipOptions(args, GIT_OPTIONS_WITH_VALUE);
  const alias = aliases.get((rest[0] ?? '').toLowerCase());
  if (alias === undefined) return { words: ['git', ...rest] };
  if (alias.trimStart().startsWith('!'))
    return { words: ['git', ...rest], script: alias.trimStart().slice(1) };
  return { words: ['git', ...alias.split(/\s+/).filter(Boolean), ...rest.slice(1)] };
}

/** The script a shell runs with `-c` (also `-lc`, `-ec`, …), if any. */
function shellScript(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (!arg.startsWith('-') || arg.startsWith('--')) {
      if (arg.startsWith('--')) continue;
      return undefined;
    }
    if (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(arg)) return args[i + 1];
    if (arg === '-o' || arg === '-O') i++;
  }
  return undefined;
}

/** The commands `find` runs for each match (`-exec … ;`, `-execdir … +`, `-ok …`). */
function findExecs(args: readonly string[]): CommandView[] {
  const views: CommandView[] = [];
  for (let i = 0; i < args.length; i++) {
    if (!['-exec', '-execdir', '-ok', '-okdir'].includes(args[i] ?? '')) continue;
    const start = i + 1;
    let end = start;
    while (end < args.length && args[end] !== ';' && args[end] !== '+') end++;
    const inner = args.slice(start, end).filter((word) => word !== '{}');
    if (inner.length > 0)
      views.push({ words: [basename(inner[0] ?? ''), ...inner.slice(1)], argsFromInput: true });
    i = end;
  }
  return views;
}

/** Expands a simple command into the views to judge and the nested scripts to parse. */
export function expandCommand(command: SimpleCommand): ExpandedCommand {
  const views: CommandView[] = [];
  const scripts: string[] = [];
  let words = stripAssignments(command.words);
  while (words.length > 0 && KEYWORDS.has(words[0] ?? '')) words = stripAssignments(words.slice(1));
  // `for x in …`, `case … in`, `function f` and `f() {` declare rather than run a program.
  if (words.length === 0 || ['for', 'case', 'select', 'function'].includes(words[0] ?? ''))
    return { views, scripts };
  let argsFromInput = false;
  // Bounded: each step consumes at least the wrapper's own name.
  for (let guard = 0; guard < 16 && words.length > 0; guard++) {
    const program = basename(words[0] ?? '');
    const git = program === 'git' ? normalizeGit(words) : undefined;
    if (git?.script !== undefined) scripts.push(git.script);
    views.push({ words: git ? git.words : [program, ...words.slice(1)], argsFromInput });
    const args = words.slice(1);
    if (SHELLS.has(program)) {
      const script = shellScript(program === 'busybox' ? args.slice(1) : args);
      if (script !== undefined) scripts.push(script);
      break;
    }
    if (program === 'eval') {
      scripts.push(args.join(' '));
      break;
    }
    if (program === 'find') {
      views.push(...findExecs(args));
      break;
    }
    const peel = WRAPPERS.get(program)?.(args);
    if (peel === undefined || peel.rest.length === 0) break;
    argsFromInput ||= peel.argsFromInput === true;
    words = peel.rest;
  }
  return { views, scripts };
}

/** True when the program of a view is a wrapper that only runs another command. */
export function isWrapper(program: string): boolean {
  return WRAPPERS.has(program) && program !== 'sudo' && program !== 'doas';
}
