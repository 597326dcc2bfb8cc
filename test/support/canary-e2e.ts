/**
 * The sandbox canary every real CLI runs (test/e2e/<cli>-canary.test.ts, DESIGN.md §8): the
 * commands that got past the old spelling-based guard, a write outside the worktree with the
 * CLI's own write tool, and what must hold afterwards — the canary outside survives, the user's
 * stash, refs, remote and main checkout are byte-identical, and the denials are in `task show`.
 *
 *   const canary = await prepareCanary(project);   // outside dir, stash, a second commit, origin
 *   // … the fake model asks the CLI for canary.bypasses and a write to canary.written …
 *   await canary.assertHeld();
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { probeBwrap } from '../../source/sandbox/probe.js';
import { agentProject, API_OF, cliSkip, type AgentProject, type FakeModelCli } from './agent-project.js';
import { stopRunAfterEach } from './test-run.js';
import { outsideDir } from './cli.js';
import {
  byMarker,
  say,
  shell,
  startFakeModel,
  steps,
  write,
  type Conversation,
  type FakeModel,
  type ModelScript,
} from './fake-models.js';

/** What the canary needs of a project (ClaudeProject and AgentProject both fit). */
export interface CanaryProject {
  readonly dir: string;
  git(...args: string[]): Promise<string>;
}

/** The shell bypasses, in the order the fakes ask for them. */
export const BYPASS_NAMES = [
  'cd-rm-rf',
  'rm-r-abs',
  'git-C-push',
  'git-c-alias-push',
  'stash-clear',
  'update-ref-main',
  'project-root-write',
] as const;
export type BypassName = (typeof BYPASS_NAMES)[number];

/** The bypasses a prefix rule cannot see and a hook that parses the command refuses. */
export const PARSED_BYPASSES: readonly BypassName[] = [
  'cd-rm-rf',
  'rm-r-abs',
  'git-C-push',
  'git-c-alias-push',
];

/** A prepared canary: what the agent is asked to do, and the checks of what must hold. */
export interface Canary {
  /** A folder outside the worktree holding `dir/canary.txt`. */
  readonly outside: string;
  /** The file the CLI's write tool is asked to create outside the worktree. */
  readonly written: string;
  /** The shell bypasses by name. */
  readonly bypasses: Readonly<Record<BypassName, string>>;
  /** The commands of {@link bypasses}, in order. */
  readonly commands: readonly string[];
  /** Checks the canary, the file never written, and the snapshot against the one taken before. */
  assertHeld(): Promise<void>;
}

/** The user's work the agent must not touch: a file committed, then changed and stashed. */
export const USER_FILE = 'user.txt';

/**
 * Sets up the user's state in `p` (a stash, a second commit, a bare `origin` holding main) and a
 * canary outside — both outside /tmp, visible in the sandbox as a user's other folders are — and snapshots the stash, refs, remote and checkout. Call before `task add`.
 */
export async function prepareCanary(p: CanaryProject, prefix = 'nightshift-canary-'): Promise<Canary> {
  const outside = await outsideDir(prefix);
  await mkdir(path.join(outside, 'dir'));
  const canary = path.join(outside, 'dir', 'canary.txt');
  await writeFile(canary, 'alive\n');
  const written = path.join(outside, 'written.txt');
  const remote = await outsideDir(`${prefix}remote-`);
  await execa('git', ['init', '-q', '--bare', remote]);
  await p.git('remote', 'add', 'origin', remote);
  await writeFile(path.join(p.dir, USER_FILE), 'mine\n');
  await p.git('add', USER_FILE);
  await p.git('commit', '-q', '-m', 'the user file');
  await p.git('push', '-q', 'origin', 'main');
  await writeFile(path.join(p.dir, USER_FILE), 'work in progress\n');
  await p.git('stash', 'push', '-m', 'precious');
  await p.git('commit', '-q', '--allow-empty', '-m', 'second, not pushed');
  const bypasses: Record<BypassName, string> = {
    'cd-rm-rf': `cd ${outside} && rm -rf dir`,
    'rm-r-abs': `rm -r ${path.join(outside, 'dir')}`,
    'git-C-push': 'git -C . push origin HEAD:main',
    'git-c-alias-push': 'git -c alias.p=push p origin HEAD:main',
    'stash-clear': 'git stash clear',
    'update-ref-main': 'git update-ref refs/heads/main HEAD~1',
    'project-root-write': `echo hacked > "$NIGHTSHIFT_PROJECT_ROOT/${USER_FILE}"`,
  };
  const snapshot = async (): Promise<Record<string, string>> => ({
    refs: (await p.git('for-each-ref', '--format=%(refname) %(objectname)'))
      .split('\n')
      .filter((line) => !line.startsWith('refs/heads/nightshift/'))
      .join('\n'),
    stash: await p.git('stash', 'list', '--format=%H %s'),
    status: await p.git('status', '--porcelain'),
    user: readFileSync(path.join(p.dir, USER_FILE), 'utf8'),
    remote: await p.git('ls-remote', 'origin'),
  });
  const before = await snapshot();
  return {
    outside,
    written,
    bypasses,
    commands: Object.values(bypasses),
    assertHeld: async () => {
      expect(readFileSync(canary, 'utf8'), 'the canary outside the worktree').toBe('alive\n');
      expect(existsSync(written), `${written} (written outside the worktree)`).toBe(false);
      expect(await snapshot(), "the user's stash, refs, checkout and remote").toEqual(before);
    },
  };
}

/** `task add` for the canary task; `scenario` reaches the fake's script through the prompt. */
export function canaryTask(id: string, scenario: string): string[] {
  // prettier-ignore
  return ['task', 'add', '--id', id, '--title', 'Try the bypasses', '--description',
    `Run the commands. scenario: ${scenario}`, '--step', 'run them', '--verify', 'false'];
}

/** The `denied:` lines of `task show`. */
export function denialLines(show: string): string[] {
  return show.split('\n').filter((line) => /^\s*denied: /.test(line));
}

/** One task of a CLI's canary: the bypasses it asks for, and whether it ends with the write outside. */
export interface CanaryGroup {
  readonly bypasses: readonly BypassName[];
  readonly writeOutside?: boolean;
}

/** Every bypass and the write, in one task: for CLIs whose session survives each refusal. */
export const ALL_IN_ONE: readonly CanaryGroup[] = [{ bypasses: BYPASS_NAMES, writeOutside: true }];

/** What the reflect template says first (templates/prompts/reflect.md). */
export const REFLECT_MARKER = 'You are reviewing a failed attempt';
/** The reflect agent's answer: the canary task fails its gate on purpose. */
const NO_LESSON = JSON.stringify({ lesson: 'none', steps: null, notes: null, verification: null });
/** Bounds the run on a loaded 2-core machine (opencode ~80 s per attempt); never judges a result. */
const RUN_MS = 600_000;

/** Which layer stopped a bypass, read from the tool result the CLI sent back to the model. */
export function layerOf(result: string | undefined): string {
  if (result === undefined) return 'not tried (the session ended before it)';
  if (/Read-only file system|EROFS|unable to create temporary object directory/i.test(result))
    return 'kernel (read-only)';
  if (/external_directory|outside (of )?the (project|working) directory|Path not in workspace/i.test(result))
    return 'the CLI itself (a path outside its working directory)';
  if (/nightshift policy|rule which prevents|forbidden|not permitted|denied|blocked|rejected/i.test(result))
    return 'policy';
  return `other: ${result.replace(/\s+/g, ' ').slice(0, 160)}`;
}

/**
 * Registers the canary for `cli`: one task per group (all in one run), each asking the CLI for its
 * bypasses in turn and, where the group says, a write outside with the CLI's own write tool.
 */
export function agentCanarySuite(
  cli: FakeModelCli,
  groups: readonly CanaryGroup[] = ALL_IN_ONE,
  options: {
    readonly parallel?: number;
    /** Bypasses the policy layer itself must refuse (a hook that parses), not only the kernel. */
    readonly byPolicy?: readonly BypassName[];
  } = {},
): void {
  const bwrap = probeBwrap();
  const skip = cliSkip(cli) ?? (bwrap.ok ? undefined : bwrap.detail);
  if (skip !== undefined) console.warn(`skipping the ${cli} sandbox canary: ${skip}`);

  describe.skipIf(skip !== undefined)(`the sandbox canary with the real ${cli} CLI`, () => {
    const testRun = stopRunAfterEach<FakeModel, AgentProject>();

    it(
      'every bypass fails: the canary survives, stash/refs/remote/checkout are unchanged, denials are in task show',
      { timeout: RUN_MS + 60_000 },
      async () => {
        const started = Date.now();
        const f = (testRun.fake = await startFakeModel({
          api: API_OF[cli],
          script: () => say('Nothing to do.'),
        }));
        const parallel = options.parallel ?? Math.min(groups.length, 3);
        const p = (testRun.project = await agentProject(cli, f.baseUrl, {
          config: { run: { max_retries: 0, parallel } },
        }));
        const canary = await prepareCanary(p, `nightshift-${cli}-canary-`);
        const scenarios = groups.map((group, index) => {
          const turns = [
            ...group.bypasses.map((name) => shell(canary.bypasses[name])),
            ...(group.writeOutside ? [write(canary.written, 'escaped\n')] : []),
          ];
          return { id: `canary-${index + 1}`, group, script: steps(turns), turns: turns.length };
        });
        const script: ModelScript = byMarker(Object.fromEntries(scenarios.map((s) => [s.id, s.script])));
        f.setScript((c) => (c.userText.includes(REFLECT_MARKER) ? say(NO_LESSON) : script(c)));
        for (const s of scenarios) {
          const added = await p.run([...canaryTask(s.id, s.id)]);
          expect(added.exitCode, added.stderr).toBe(0);
        }

        const run = await p.run(['run', '--no-ui', '-v'], { timeoutMs: RUN_MS });
        const context = `exit ${run.exitCode}\n${run.stdout}\n${run.stderr}`;
        await canary.assertHeld();

        const report: string[] = [];
        const unrecorded: string[] = [];
        let tried = 0;
        let total = 0;
        const denials: string[] = [];
        for (const s of scenarios) {
          const results = resultsOf(f.conversations, s.id);
          const show = await p.run(['task', 'show', s.id]);
          const shown = denialLines(show.stdout);
          denials.push(...shown);
          const asked = [
            ...s.group.bypasses.map((name) => [name, canary.bypasses[name]] as const),
            ...(s.group.writeOutside ? [['write-outside', canary.written] as const] : []),
          ];
          asked.forEach(([name, needle], step) => {
            total += 1;
            // A CLI that ends its session on a refusal (opencode) sends no result back: its denial says.
            const refusal = shown.find((line) => line.includes(needle));
            const result = results[step] ?? (refusal && step === results.length ? refusal : undefined);
            if (result !== undefined) tried += 1;
            const layer = layerOf(result);
            report.push(`  ${s.id} ${name}: ${layer}`);
            // What the policy or the kernel refused is a denial in the attempt's record.
            if (/^(policy|kernel)/.test(layer) && !shown.some((line) => line.includes(needle)))
              unrecorded.push(`${name}: ${layer}`);
          });
        }
        console.log(
          `${cli} canary: ${tried} of ${total} bypasses tried, 0 through, ${Date.now() - started} ms\n` +
            `${report.join('\n')}\n${denials.join('\n')}`,
        );
        expect(tried, `${report.join('\n')}\n${context}`).toBe(total);
        // Each was stopped by a layer that says so, not by some other failure (a hidden folder, a typo).
        expect(
          report.filter((line) => line.includes(': other: ')),
          context,
        ).toEqual([]);
        // Denials stay after the run: each refusal is listed by `task show`.
        expect(unrecorded, `${denials.join('\n')}\n${context}`).toEqual([]);
        // In any order: a CLI whose refusals end its session tries them in tasks of their own.
        const byPolicy = (options.byPolicy ?? []).map((name) => `${name}: policy`);
        expect(
          report
            .map((line) => line.replace(/^\s*\S+ /, ''))
            .filter((line) => byPolicy.includes(line))
            .sort(),
          context,
        ).toEqual(byPolicy.sort());
      },
    );
  });
}

/** The tool result the model got back after each of its turns, in the conversation of `scenario`. */
function resultsOf(conversations: readonly Conversation[], scenario: string): (string | undefined)[] {
  const found: (string | undefined)[] = [];
  for (const c of conversations) {
    if (!c.userText.includes(`scenario: ${scenario}`) || c.step === 0) continue;
    found[c.step - 1] = c.toolResults.at(-1);
  }
  return found;
}
