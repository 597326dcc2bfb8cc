/**
 * `nightshift status` is the hot path (DESIGN.md §9: ≤ 250 ms at 10,000 tasks; issue 15): node's
 * own start is most of that on a loaded machine, so status loads only what it shows. Each run here
 * records every module node loads (a module hook given through NODE_OPTIONS) and checks that none
 * of the heavy libraries is among them — commander, zod, execa, lowdb, Ink, React — while the
 * output is what the user expects, from status.json and from state.json itself.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir, tempGitRepo } from '../support/cli.js';

const HEAVY = ['commander', 'zod', 'execa', 'lowdb', 'ink', 'react', '@modelcontextprotocol'];

/** A hook that appends the URL of every module node loads to $LOADED_MODULES. */
async function loadRecorder(): Promise<string> {
  const dir = await tempDir('nightshift-hooks-');
  const hooks = path.join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.LOADED_MODULES, url + '\\n');
  return next(url, context);
}
`,
  );
  const register = path.join(dir, 'register.mjs');
  writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
  return register;
}

/** The packages (under node_modules) that one CLI run loaded, and its result. */
async function statusLoads(repo: string, register: string, args: readonly string[]) {
  const list = path.join(await tempDir('nightshift-loaded-'), 'modules.txt');
  writeFileSync(list, '');
  const result = await runCli(['status', ...args], {
    cwd: repo,
    env: { NODE_OPTIONS: `--import ${register}`, LOADED_MODULES: list },
  });
  const urls = readFileSync(list, 'utf8').split('\n').filter(Boolean);
  const packages = new Set(
    urls.flatMap((url) => {
      const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
      return match?.[1] ? [match[1]] : [];
    }),
  );
  return { result, urls, packages: [...packages] };
}

describe('status loads only what it shows', () => {
  it('prints the queue without commander, zod, execa, lowdb, Ink or React, from status.json and from state.json', async () => {
    const repo = await tempGitRepo();
    expect((await runCli(['init', '--use', 'sim'], { cwd: repo })).exitCode).toBe(0);
    for (const title of ['One', 'Two'])
      expect(
        (
          await runCli(['task', 'add', '--title', title, '--step', 'do it', '--verify', 'test -f x'], {
            cwd: repo,
          })
        ).exitCode,
      ).toBe(0);
    const register = await loadRecorder();

    const plain = await statusLoads(repo, register, []);
    expect(plain.result.exitCode, plain.result.stderr).toBe(0);
    expect(plain.result.stdout).toMatch(/^tasks: 2 \(2 pending\)$/m);
    expect(plain.urls.some((url) => url.endsWith('/dist/cli/status.js'))).toBe(true);
    expect(plain.packages.filter((name) => HEAVY.some((heavy) => name.startsWith(heavy)))).toEqual([]);

    const json = await statusLoads(repo, register, ['--json']);
    expect(JSON.parse(json.result.stdout)).toMatchObject({ total: 2, counts: { pending: 2 }, engine: null });
    expect(json.packages).toEqual([]);

    // state.json edited by hand: its summary is stale, status reads the store itself, still light.
    const state = path.join(repo, '.nightshift', 'state.json');
    const parsed = JSON.parse(readFileSync(state, 'utf8')) as { tasks: { status: string }[] };
    parsed.tasks[0]!.status = 'blocked';
    writeFileSync(state, JSON.stringify(parsed));
    const edited = await statusLoads(repo, register, []);
    expect(edited.result.stdout).toMatch(/^tasks: 2 \((1 blocked · 1 pending|1 pending · 1 blocked)\)$/m);
    expect(edited.packages).toEqual([]);
  }, 120_000);
});
