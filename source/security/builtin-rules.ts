/**
 * The built-in rules behind nightshift's default blocklist (DESIGN.md §8). They are semantic — they
 * look at flags and resolve paths against the work tree — where the string patterns of
 * `DEFAULT_BLOCKED_COMMANDS` (handed to other CLIs' prefix matchers) can only approximate them.
 * Every reason is written for the agent that reads it: what was blocked, why, and what to do instead.
 */
import path from 'node:path';
import type { CommandView } from './command-view.js';
import { SHELLS } from './command-view.js';

/** Where a command runs and whose home it must not touch. */
export interface RuleContext {
  /** The work tree: what `inside` means. */
  readonly cwd: string;
  readonly home: string;
  /**
   * Where the command really runs after a `cd` earlier in the same line (`cd /elsewhere && rm -rf
   * dir`): relative paths resolve against it. Absent = `cwd`; null = a `cd` to a computed place.
   */
  readonly dir?: string | null;
}

const PRIVILEGE = new Set(['sudo', 'su', 'doas', 'pkexec', 'run0']);
const DOWNLOADERS = new Set(['curl', 'wget', 'fetch', 'aria2c', 'http', 'https']);
/** Programs that run code read from stdin or a file argument. */
export const INTERPRETERS: ReadonlySet<string> = new Set([
  ...SHELLS,
  'python',
  'python3',
  'perl',
  'ruby',
  'node',
  'php',
  'source',
  '.',
  'eval',
]);
const POWER = new Set(['shutdown', 'reboot', 'halt', 'poweroff', 'telinit']);
const DISK_TOOLS = new Set(['mkfs', 'mke2fs', 'mkswap', 'wipefs', 'fdisk', 'sfdisk', 'parted', 'mkfs.ext4']);
const HARMLESS_DEVICES = /^\/dev\/(null|zero|u?random|stdout|stderr|stdin|tty|fd\/\d+|pts\/\d+)$/;
const SECRET_DIRS = '(?:\\.ssh|\\.gnupg|\\.aws)';

/** Reason texts, shared with the default string patterns so both say the same thing. */
export const REASONS = {
  privilege: (p: string) =>
    `${p} is blocked by nightshift: agents run unattended and never gain root. Do the work without elevated privileges; if something truly needs an administrator, say so in your summary.`,
  gitPush:
    'git push is blocked by nightshift: agents never push; nightshift commits verified work itself. Leave your changes in the work tree (local git add/commit is fine) and finish.',
  publish: (p: string) =>
    `${p} is blocked by nightshift: agents never publish packages or releases. Finish the change; a person publishes after review.`,
  downloadExec:
    "Piping a download into a shell or interpreter (curl … | sh) is blocked by nightshift: it runs unreviewed code from the network. Add dependencies through the project's package manager instead, or download the file, read it, and explain in your summary why it is needed.",
  removeOutside: (target: string) =>
    `rm -r of ${target} is blocked by nightshift: it is outside the work tree (or is the work tree itself). Only delete paths inside the current project, using relative paths such as ./build.`,
  removeDynamic: (target: string) =>
    `rm -r of ${target} is blocked by nightshift: the target is computed at run time (a variable, substitution or piped input), so nightshift cannot tell that it stays inside the work tree. Name the paths literally, relative to the project (e.g. rm -rf ./build).`,
  gitAlias:
    'Defining git aliases is blocked by nightshift: an alias can hide a command the policy denies. Run the git command itself.',
  removeGit:
    "Deleting .git is blocked by nightshift: the work tree's history and worktree link live there. Remove the specific files you mean instead.",
  chmodOutside: (p: string, target: string) =>
    `Recursive ${p} of ${target} is blocked by nightshift: it is outside the work tree. Change permissions only on files inside the project.`,
  secrets: (target: string) =>
    `Reading ${target} is blocked by nightshift: SSH keys and credentials never go to an agent. The task does not need them; nightshift handles git and credentials itself.`,
  disk: (p: string) =>
    `${p} is blocked by nightshift: writing to disks or devices can destroy the machine's data. Work with files inside the project instead.`,
  power: (p: string) => `${p} is blocked by nightshift: agents never shut down or restart the machine.`,
} as const;

function hasFlag(args: readonly string[], short: string, long: string): boolean {
  return args.some(
    (a) => a === long || (a.startsWith('-') && !a.startsWith('--') && a.slice(1).includes(short)),
  );
}

function positional(args: readonly string[]): string[] {
  const out: string[] = [];
  let options = true;
  for (const arg of args) {
    if (options && arg === '--') options = false;
    else if (options && arg.startsWith('-') && arg !== '-') continue;
    else out.push(arg);
  }
  return out;
}

/** Classifies a path argument: inside the work tree, outside it, the tree itself, or unknowable. */
export function classifyPath(
  raw: string,
  ctx: RuleContext,
): 'inside' | 'outside' | 'root' | 'dynamic' | 'git' {
  let text = raw;
  const pwd = /^(\$PWD|\$\{PWD\}|\$\(pwd\))(?=\/|$)/.exec(text);
  if (pwd) text = ctx.cwd + text.slice(pwd[0].length);
  if (/^~|^\$HOME\b|^\$\{HOME\}/.test(text)) return 'outside';
  if (/[$`]|<\(/.test(text)) return 'dynamic';
  if (ctx.dir === null && !path.isAbsolute(text)) return 'dynamic';
  const resolved = path.resolve(ctx.dir ?? ctx.cwd, text);
  const relative = path.relative(ctx.cwd, resolved);
  if (relative === '') return 'root';
  if (relative.startsWith('..') || path.isAbsolute(relative)) return 'outside';
  // A glob that could reach back up (`*/..`) is resolved by path.resolve already; `.*` is refused by rm.
  if (relative === '.git' || relative.startsWith(`.git${path.sep}`)) return 'git';
  return 'inside';
}

function checkRemove(view: CommandView, ctx: RuleContext): string | undefined {
  const args = view.words.slice(1);
  if (!hasFlag(args, 'r', '--recursive') && !hasFlag(args, 'R', '--recursive')) return undefined;
  const targets = positional(args);
  if (view.argsFromInput) return REASONS.removeDynamic('piped-in paths');
  for (const target of targets) {
    const kind = classifyPath(target, ctx);
    if (kind === 'outside' || kind === 'root') return REASONS.removeOutside(target);
    if (kind === 'dynamic') return REASONS.removeDynamic(target);
    if (kind === 'git') return REASONS.removeGit;
  }
  return undefined;
}

function checkChmod(view: CommandView, ctx: RuleContext): string | undefined {
  const program = view.words[0] ?? '';
  const args = view.words.slice(1);
  if (!hasFlag(args, 'R', '--recursive')) return undefined;
  // The first positional of chmod/chown/chgrp is the mode or owner, not a path.
  for (const target of positional(args).slice(1)) {
    const kind = classifyPath(target, ctx);
    if (kind === 'outside' || kind === 'root' || kind === 'dynamic')
      return REASONS.chmodOutside(program, target);
  }
  return undefined;
}

function firstPositional(args: readonly string[]): string | undefined {
  return positional(args)[0];
}

function checkPublish(view: CommandView): string | undefined {
  const [program = '', ...args] = view.words;
  const sub = firstPositional(args);
  const pos = positional(args);
  if (['npm', 'pnpm', 'bun'].includes(program) && (sub === 'publish' || sub === 'unpublish'))
    return REASONS.publish(`${program} ${sub}`);
  if (program === 'yarn' && (sub === 'publish' || (sub === 'npm' && pos[1] === 'publish')))
    return REASONS.publish('yarn publish');
  if (['cargo', 'poetry', 'flit', 'hatch', 'uv', 'vsce', 'ovsx'].includes(program) && sub === 'publish')
    return REASONS.publish(`${program} publish`);
  if (program === 'twine' && sub === 'upload') return REASONS.publish('twine upload');
  if (program === 'gem' && sub === 'push') return REASONS.publish('gem push');
  if (/^python[\d.]*$/.test(program) && args[0] === '-m' && args[1] === 'twine' && args[2] === 'upload')
    return REASONS.publish('twine upload');
  if (program === 'dotnet' && sub === 'nuget' && pos[1] === 'push')
    return REASONS.publish('dotnet nuget push');
  return undefined;
}

/** A regex for references to the home directory's secret folders, in any spelling. */
function secretsPattern(home: string): RegExp {
  const escapedHome = home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(
    `(?:^|[=:,\\s'"])(?:~[A-Za-z0-9_.-]*|\\$HOME|\\$\\{HOME\\}|/root|/home/[^/\\s]+|${escapedHome})/${SECRET_DIRS}(?:/|$|\\s)`,
  );
}

/** The reason to deny touching `target` when it lies in ~/.ssh, ~/.gnupg or ~/.aws (any spelling). */
export function checkSecretPath(target: string, ctx: RuleContext): string | undefined {
  return checkSecrets([target], ctx);
}

function checkSecrets(words: readonly string[], ctx: RuleContext): string | undefined {
  const pattern = secretsPattern(ctx.home);
  for (const word of words) if (pattern.test(word)) return REASONS.secrets(word);
  return undefined;
}

function checkDisk(view: CommandView): string | undefined {
  const [program = '', ...args] = view.words;
  if (DISK_TOOLS.has(program) || program.startsWith('mkfs.')) return REASONS.disk(program);
  if (program === 'dd') {
    const output = args.find((a) => a.startsWith('of='))?.slice(3);
    if (output?.startsWith('/dev/') && !HARMLESS_DEVICES.test(output)) return REASONS.disk(`dd of=${output}`);
  }
  if (program === 'shred' && positional(args).some((a) => a.startsWith('/dev/')))
    return REASONS.disk('shred of a device');
  return undefined;
}

function checkPower(view: CommandView): string | undefined {
  const [program = '', ...args] = view.words;
  if (POWER.has(program)) return REASONS.power(program);
  if (program === 'init' && (args[0] === '0' || args[0] === '6')) return REASONS.power(`init ${args[0]}`);
  if (
    program === 'systemctl' &&
    ['poweroff', 'reboot', 'halt', 'kexec', 'suspend', 'hibernate'].includes(firstPositional(args) ?? '')
  ) {
    return REASONS.power(`systemctl ${firstPositional(args) ?? ''}`);
  }
  return undefined;
}

/** Judges one view of a simple command; returns the reason when a built-in rule denies it. */
export function checkView(view: CommandView, ctx: RuleContext): string | undefined {
  const program = view.words[0] ?? '';
  if (PRIVILEGE.has(program)) return REASONS.privilege(program);
  if (program === 'git' && view.words[1] === 'push') return REASONS.gitPush;
  if (program === 'git' && view.words[1] === 'config' && view.words.some((w) => /^alias\./i.test(w)))
    return REASONS.gitAlias;
  if (program === 'rm') {
    const denied = checkRemove(view, ctx);
    if (denied) return denied;
  }
  if (program === 'chmod' || program === 'chown' || program === 'chgrp') {
    const denied = checkChmod(view, ctx);
    if (denied) return denied;
  }
  return checkPublish(view) ?? checkDisk(view) ?? checkPower(view) ?? checkSecrets(view.words.slice(1), ctx);
}

/** Judges redirection targets: reading secrets (`< ~/.ssh/id_rsa`) or writing to a raw device. */
export function checkRedirects(targets: readonly string[], ctx: RuleContext): string | undefined {
  for (const target of targets) {
    if (target.startsWith('/dev/') && !HARMLESS_DEVICES.test(target))
      return REASONS.disk(`redirecting to ${target}`);
  }
  return checkSecrets(targets, ctx);
}

/** Judges a pipeline's stage programs: a downloader feeding an interpreter is denied. */
export function checkPipelinePrograms(programs: readonly (readonly string[])[]): string | undefined {
  let downloaded = false;
  for (const stage of programs) {
    if (downloaded && stage.some((p) => INTERPRETERS.has(p))) return REASONS.downloadExec;
    if (stage.some((p) => DOWNLOADERS.has(p))) downloaded = true;
  }
  return undefined;
}

/** True when the program downloads from the network. */
export function isDownloader(program: string): boolean {
  return DOWNLOADERS.has(program);
}
