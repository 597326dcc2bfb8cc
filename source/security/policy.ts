/**
 * The command policy (DESIGN.md §8): which shell commands an unattended agent may run.
 *
 * `evaluateCommand` parses a command line like a shell would, splits it into simple commands
 * (through `;` `&&` `||` `|`, subshells, `$( … )`, backticks, `bash -c '…'` and `eval`), peels
 * wrappers such as `env` and `timeout`, and judges each one:
 * - the built-in rules (see builtin-rules.ts) always apply, in both modes: they are the floor that no
 *   configuration lifts (sudo, rm -r outside the work tree, downloads piped into a shell, git push,
 *   publishing, reading ~/.ssh / ~/.gnupg / ~/.aws, recursive chmod outside the tree, raw disk
 *   writes, shutdown);
 * - blocklist mode: a command matching any `blocked` pattern is denied;
 * - allowlist mode: every program that runs must match an `allowed` pattern. `policyFromConfig` puts
 *   `SAFE_BASE_COMMANDS` in front of the project's list, and the readers among them (cat, head, tail,
 *   wc) only read paths inside the work tree unless the project allows them by name.
 */
import os from 'node:os';
import path from 'node:path';
import type { CommandPolicy } from './command-policy.js';
import { expandCommand, isWrapper, SHELLS, type CommandView } from './command-view.js';
import {
  checkPipelinePrograms,
  checkRedirects,
  checkView,
  classifyPath,
  INTERPRETERS,
  isDownloader,
  REASONS,
  type RuleContext,
} from './builtin-rules.js';
import { compilePattern, matchesPipeline, matchesWords, type CommandPattern } from './patterns.js';
import { parseShell, type Pipeline } from './shell-parse.js';

/**
 * The default blocklist as portable prefix patterns. nightshift's own evaluator enforces the
 * semantic built-in rules on top; these strings are what other CLIs' prefix matchers (codex rules,
 * gemini policies, opencode permission maps) receive, so they name the common spellings.
 */
export const DEFAULT_BLOCKED_COMMANDS: readonly string[] = [
  'sudo',
  'su',
  'doas',
  'pkexec',
  'rm -rf /',
  'rm -rf /*',
  'rm -rf ~',
  'rm -rf ~/*',
  'rm -rf $HOME',
  'rm -rf ..',
  'rm -fr /',
  'rm -fr ~',
  'curl * | sh',
  'curl * | bash',
  'wget * | sh',
  'wget * | bash',
  'git push',
  'npm publish',
  'yarn publish',
  'pnpm publish',
  'cargo publish',
  'twine upload',
  'gem push',
  'cat ~/.ssh/*',
  'less ~/.ssh/*',
  'cp ~/.ssh/*',
  'cat $HOME/.ssh/*',
  'chmod -R 777 /',
  'mkfs',
  'mkfs.*',
  'dd * of=/dev/*',
  'shutdown',
  'reboot',
  'halt',
  'poweroff',
];

/**
 * What allowlist mode always permits: looking around, editing files the agent's own tools write
 * anyway, local git bookkeeping, and the usual test runners. Test runners execute project code the
 * agent can edit, so allowlist mode limits casual commands; it is not a sandbox.
 */
export const SAFE_BASE_COMMANDS: readonly string[] = [
  ...['ls', 'pwd', 'cd', 'echo', 'printf', 'true', 'false', 'test', '[', 'cat', 'head', 'tail', 'wc'],
  ...['grep', 'rg', 'sort', 'uniq', 'diff', 'cut', 'tr', 'basename', 'dirname', 'realpath', 'which', 'file'],
  ...['stat', 'mkdir', 'touch', 'date', 'sleep'],
  ...[
    'git status',
    'git diff',
    'git log',
    'git show',
    'git add',
    'git commit',
    'git rev-parse',
    'git ls-files',
  ],
  ...['git blame', 'git grep'],
  ...[
    'npm test',
    'npm t',
    'npm run test',
    'pnpm test',
    'pnpm run test',
    'yarn test',
    'npx vitest',
    'npx jest',
  ],
  ...['pytest', 'python -m pytest', 'python3 -m pytest', 'go test', 'cargo test', 'make test'],
];

/** Base readers that may only read inside the work tree unless the project allows them by name. */
const CONFINED_READERS = new Set(['cat', 'head', 'tail', 'wc']);

/** The verdict on one command line. */
export interface CommandDecision {
  readonly decision: 'allow' | 'deny';
  /** For a denial: a sentence the agent can act on. For an allowance: a short note. */
  readonly reason: string;
  /** The simple command that was denied, as nightshift read it (e.g. `git push origin main`). */
  readonly command?: string;
}

/** Where the command runs; `home` defaults to the user's home directory. */
export interface EvaluateOptions {
  readonly cwd: string;
  readonly home?: string;
}

/** Builds the policy for a project from its `[security]` table. */
export function policyFromConfig(security: {
  readonly mode: 'blocklist' | 'allowlist';
  readonly blocked_commands: readonly string[];
  readonly allowed_commands: readonly string[];
}): CommandPolicy {
  return {
    mode: security.mode,
    blocked: [...DEFAULT_BLOCKED_COMMANDS, ...security.blocked_commands],
    allowed:
      security.mode === 'allowlist'
        ? [...SAFE_BASE_COMMANDS, ...security.allowed_commands]
        : [...security.allowed_commands],
  };
}

/** The policy for a `[security]` that cannot be read: allowlist mode with nothing allowed. */
export function denyAllPolicy(): CommandPolicy {
  return { mode: 'allowlist', blocked: [...DEFAULT_BLOCKED_COMMANDS], allowed: [] };
}

/** The policy with nothing but the defaults (blocklist mode). */
export function defaultPolicy(): CommandPolicy {
  return policyFromConfig({ mode: 'blocklist', blocked_commands: [], allowed_commands: [] });
}

interface Compiled {
  readonly policy: CommandPolicy;
  readonly ctx: RuleContext;
  readonly blocked: readonly CommandPattern[];
  readonly allowed: readonly CommandPattern[];
  readonly defaults: ReadonlySet<string>;
  readonly safeBase: ReadonlySet<string>;
}

/** How deep `bash -c "bash -c '…'"` may nest before nightshift refuses to guess. */
const MAX_SCRIPT_DEPTH = 8;

type Deny = { readonly reason: string; readonly command: string } | undefined;

function compile(list: readonly string[]): CommandPattern[] {
  return list.map(compilePattern).filter((p): p is CommandPattern => p !== undefined);
}

/** Decides whether a shell command line may run under the policy. */
export function evaluateCommand(
  policy: CommandPolicy,
  command: string,
  options: EvaluateOptions,
): CommandDecision {
  const compiled: Compiled = {
    policy,
    ctx: { cwd: options.cwd, home: options.home ?? os.homedir() },
    blocked: compile(policy.blocked),
    allowed: compile(policy.allowed),
    defaults: new Set(DEFAULT_BLOCKED_COMMANDS),
    safeBase: new Set(SAFE_BASE_COMMANDS),
  };
  const denied = evaluateScript(command, compiled, 0);
  if (denied) return { decision: 'deny', reason: denied.reason, command: denied.command };
  return { decision: 'allow', reason: `allowed by the ${policy.mode} policy` };
}

function evaluateScript(script: string, c: Compiled, depth: number): Deny {
  if (depth > MAX_SCRIPT_DEPTH) {
    return {
      reason:
        'This command nests shells too deeply for nightshift to check, so it is blocked. Run the inner command directly.',
      command: script,
    };
  }
  let current = c;
  for (const pipeline of parseShell(script)) {
    const denied = evaluatePipeline(pipeline, current, depth);
    if (denied) return denied;
    // `cd /elsewhere && rm -rf dir`: later commands resolve relative paths from where `cd` went.
    const dir = cdTarget(pipeline, current.ctx);
    if (dir !== undefined) current = { ...current, ctx: { ...current.ctx, dir } };
  }
  return undefined;
}

/** Where a lone `cd`/`pushd` (also `builtin cd`) moves to; null when computed; undefined for other commands. */
function cdTarget(pipeline: Pipeline, ctx: RuleContext): string | null | undefined {
  if (pipeline.commands.length !== 1) return undefined;
  const command = pipeline.commands[0];
  if (!command) return undefined;
  const words = expandCommand(command).views.at(-1)?.words ?? [];
  if (words[0] !== 'cd' && words[0] !== 'pushd') return undefined;
  const target = words.slice(1).find((word) => !word.startsWith('-') || word === '-');
  if (target === undefined || target === '~' || target.startsWith('~/'))
    return path.join(ctx.home, (target ?? '~').slice(2));
  if (target === '-' || /[$`*?]/.test(target) || ctx.dir === null) return null;
  return path.resolve(ctx.dir ?? ctx.cwd, target);
}

function evaluatePipeline(pipeline: Pipeline, c: Compiled, depth: number): Deny {
  const stages: (readonly string[])[][] = [];
  for (const command of pipeline.commands) {
    const text = command.words.join(' ');
    const { views, scripts } = expandCommand(command);
    for (const view of views) {
      const reason = checkView(view, c.ctx);
      if (reason) return { reason, command: view.words.join(' ') };
    }
    const redirectReason = checkRedirects(
      command.redirects.map((r) => r.target),
      c.ctx,
    );
    if (redirectReason) return { reason: redirectReason, command: text };
    if (views.some((v) => INTERPRETERS.has(v.words[0] ?? '')) && mentionsDownloader(command.substitutions)) {
      return { reason: REASONS.downloadExec, command: text };
    }
    for (const sub of command.substitutions) {
      const denied = evaluatePipeline(sub, c, depth + 1);
      if (denied) return denied;
    }
    for (const script of scripts) {
      const denied = evaluateScript(script, c, depth + 1);
      if (denied) return denied;
    }
    if (c.policy.mode === 'allowlist') {
      const denied = checkAllowlist(views, scripts.length > 0, c);
      if (denied) return denied;
    }
    stages.push(views.map((v) => v.words));
  }
  const pipeReason = checkPipelinePrograms(stages.map((views) => views.map((w) => w[0] ?? '')));
  if (pipeReason)
    return { reason: pipeReason, command: stages.map((s) => (s[0] ?? []).join(' ')).join(' | ') };
  for (const pattern of c.blocked) {
    // The default strings approximate the built-in rules for other CLIs' prefix matchers; here the
    // rules above are authoritative (`dd of=/dev/null` is fine although `dd * of=/dev/*` matches it).
    if (c.defaults.has(pattern.source)) continue;
    if (matchesPipeline(pattern, stages)) {
      const reason = `\`${pattern.source}\` is blocked by this project's nightshift.toml ([security] blocked_commands). Find another way that does not need it, or explain in your summary why it is needed.`;
      return { reason, command: stages.map((s) => (s[0] ?? []).join(' ')).join(' | ') };
    }
  }
  return undefined;
}

function checkAllowlist(views: readonly CommandView[], runsScript: boolean, c: Compiled): Deny {
  for (const [index, view] of views.entries()) {
    const program = view.words[0] ?? '';
    const isLast = index === views.length - 1;
    // A shell running `-c` and a wrapper around another command are judged by what they run.
    if ((runsScript && SHELLS.has(program)) || (isWrapper(program) && !isLast) || program === 'eval')
      continue;
    const matches = c.allowed.filter(
      (p) => p.stages.length === 1 && matchesWords(p.stages[0] ?? [], view.words),
    );
    if (matches.length === 0) {
      return {
        reason: `\`${view.words.slice(0, 2).join(' ')}\` is not allowed: this project runs nightshift in allowlist mode ([security] allowed_commands in nightshift.toml). Allowed commands: ${c.policy.allowed.join(', ')}. Use one of those, or finish and say in your summary which command you needed.`,
        command: view.words.join(' '),
      };
    }
    const onlyBase = matches.every((p) => c.safeBase.has(p.source) && !userAllows(c, p.source));
    if (onlyBase && CONFINED_READERS.has(program)) {
      const outside = view.words
        .slice(1)
        .find((a) => !a.startsWith('-') && classifyPath(a, c.ctx) !== 'inside');
      if (outside !== undefined) {
        return {
          reason: `${program} of ${outside} is not allowed: in allowlist mode agents read files inside the project only.`,
          command: view.words.join(' '),
        };
      }
    }
  }
  return undefined;
}

/** True when the project lists `source` itself: then it appears once from the base and once more. */
function userAllows(c: Compiled, source: string): boolean {
  return c.policy.allowed.filter((p) => p.trim() === source).length > 1;
}

function mentionsDownloader(pipelines: readonly Pipeline[]): boolean {
  return pipelines.some((pipeline) =>
    pipeline.commands.some(
      (command) =>
        expandCommand(command).views.some((v) => isDownloader(v.words[0] ?? '')) ||
        mentionsDownloader(command.substitutions),
    ),
  );
}
