/**
 * The kernel sandbox through the built CLI (DESIGN.md §8): a sim agent tries, with `sim: run`, each
 * way an agent reached the user's repository before (the stash, the refs, the config and hooks, the
 * main checkout through NIGHTSHIFT_PROJECT_ROOT, a canary outside the worktree, `rm .git`), and
 * every one fails; the user's stash, refs and main checkout are byte-identical afterwards, while
 * `git status/add/commit` in the worktree still work. Gate commands run inside the sandbox too.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { probeBwrap } from '../../source/sandbox/bwrap.js';
import { tempDir } from '../support/cli.js';
import { cleanupProjects, simProject, simTask, type SimProject } from '../support/engine-fixtures.js';

afterEach(cleanupProjects);

const bwrap = probeBwrap();
if (!bwrap.ok) console.warn(`skipping the sandbox tests: ${bwrap.detail}`);

/**
 * Every file under `dir` with a digest of its bytes, skipping `.nightshift` and what the engine
 * itself writes in `.git` (objects, its worktrees' admin folders, its `nightshift/*` branches).
 */
function digest(dir: string): Record<string, string> {
  const skip = [
    '.nightshift',
    '.git/objects',
    '.git/worktrees',
    '.git/refs/heads/nightshift',
    '.git/logs/refs/heads/nightshift',
    // git writes a header-only packed-refs when the engine deletes its branch; the refs are compared apart.
    '.git/packed-refs',
  ];
  const files: Record<string, string> = {};
  const walk = (current: string): void => {
    for (const name of readdirSync(current).sort()) {
      const full = path.join(current, name);
      const relative = path.relative(dir, full);
      if (skip.includes(relative)) continue;
      const stat = statSync(full);
      if (stat.isDirectory()) walk(full);
      else files[relative] = createHash('sha256').update(readFileSync(full)).digest('hex');
    }
  };
  walk(dir);
  return files;
}

/** Everything of the user's repository an agent must not change: refs, stash, config, hooks, files. */
async function snapshot(project: SimProject): Promise<Record<string, unknown>> {
  return {
    refs: await project.git('for-each-ref', '--format=%(refname) %(objectname)'),
    stash: await project.git('stash', 'list', '--format=%H %s'),
    checkout: digest(project.dir),
  };
}

/** The tool results the sim agent recorded, by command. */
function toolResults(project: SimProject, taskId: string): Map<string, { output: string; error: boolean }> {
  const logs = path.join(project.dir, '.nightshift', 'logs');
  const results = new Map<string, { output: string; error: boolean }>();
  const commands = new Map<string, string>();
  for (const run of readdirSync(logs)) {
    const file = path.join(logs, run, `${taskId}.1.jsonl`);
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      const event = JSON.parse(line) as {
        type: string;
        id?: string;
        input?: string;
        output?: string;
        is_error?: boolean;
      };
      if (event.type === 'tool_use' && event.id && event.input) commands.set(event.id, event.input);
      if (event.type === 'tool_result' && event.id)
        results.set(commands.get(event.id) ?? event.id, {
          output: event.output ?? '',
          error: event.is_error === true,
        });
    }
  }
  return results;
}

describe.skipIf(!bwrap.ok)('sandbox: agents and gates under bwrap', () => {
  it('keeps the user’s stash, refs, config, hooks and main checkout byte-identical; a canary survives; git works in the worktree', async () => {
    const project = await simProject({ run: { max_retries: 0 } });
    // The user's own state: a stash entry, a tag, an extra branch, a hook.
    await writeFile(path.join(project.dir, 'user.txt'), 'mine\n');
    await project.commitAll('user file');
    await writeFile(path.join(project.dir, 'user.txt'), 'work in progress\n');
    await project.git('stash', 'push', '-m', 'precious');
    await project.git('tag', 'v1');
    await project.git('branch', 'feature');
    await writeFile(path.join(project.dir, '.git', 'hooks', 'pre-commit'), '#!/bin/sh\nexit 0\n', {
      mode: 0o755,
    });
    const outside = await tempDir('nightshift-canary-');
    const canary = path.join(outside, 'canary.txt');
    await writeFile(canary, 'alive\n');
    const before = await snapshot(project);

    const attacks = [
      'git stash clear',
      'git stash drop',
      'git update-ref refs/heads/main HEAD~1',
      'git update-ref -d refs/heads/feature',
      'git tag -d v1',
      'git branch -f main HEAD~1',
      'git config user.name attacker',
      'echo "#!/bin/sh" > "$(git rev-parse --git-common-dir)/hooks/post-checkout"',
      'echo hacked > "$NIGHTSHIFT_PROJECT_ROOT/user.txt"',
      'rm -rf "$NIGHTSHIFT_PROJECT_ROOT/nightshift.toml"',
      'git -C "$NIGHTSHIFT_PROJECT_ROOT" reset --hard HEAD~1',
      'git -C "$NIGHTSHIFT_PROJECT_ROOT" stash clear',
      `rm -rf ${outside}`,
      `echo dead > ${canary}`,
      'rm -f .git',
      'rm -rf "$(git rev-parse --git-common-dir)/refs"',
      'echo x > "$(git rev-parse --git-common-dir)/packed-refs"',
    ];
    const works =
      'echo agent > agent.txt && git add agent.txt && git commit -qm agent && git status --short && echo COMMITTED';
    await project.importTasks([
      simTask('attack', [...attacks, works].map((command) => `sim: run ${command}`).join('\n'), [
        // The gate is sandboxed as well: it cannot reach the main checkout either; then it fails,
        // so nothing lands and main stays where the user left it.
        'echo gate > "$NIGHTSHIFT_PROJECT_ROOT/gate.txt"',
      ]),
    ]);
    const run = await project.cli(['run', '--no-ui'], { timeoutMs: 120_000 });
    expect(run.stderr.split('\n')[0]).toMatch(/^nightshift: sandbox: bwrap/);
    expect(run.stdout).toMatch(/started: backend sim.*sandbox: bwrap/);

    expect(await snapshot(project)).toEqual(before);
    expect(readFileSync(canary, 'utf8')).toBe('alive\n');
    const results = toolResults(project, 'attack');
    for (const attack of attacks.filter((a) => !a.includes(outside) && !a.includes(canary)))
      expect(results.get(attack)?.error, `${attack}: ${results.get(attack)?.output ?? 'not run'}`).toBe(true);
    expect(results.get('rm -f .git')?.output).toMatch(/busy|read-only/i);
    expect(results.get(works)?.output).toContain('COMMITTED');
    const task = project.task('attack');
    expect(task.status).toBe('blocked');
    expect(task.attempts.at(-1)?.checks.find((c) => c.kind === 'command')?.detail ?? '').toMatch(/Read-only/);
  });

  it('[sandbox] network = false cuts the network for gate commands; network = true keeps it', async () => {
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.end('hi');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const connect = `node -e "require('net').connect(${port}, '127.0.0.1').on('connect', () => process.exit(0)).on('error', (e) => { console.error(e.code); process.exit(1); })"`;
      const cut = await simProject({ run: { max_retries: 0 }, config: { sandbox: { network: false } } });
      await cut.importTasks([simTask('net', 'sim: run true', [connect])]);
      await cut.cli(['run', '--no-ui'], { timeoutMs: 120_000 });
      expect(cut.task('net').status).toBe('blocked');
      expect(JSON.stringify(cut.task('net').attempts.at(-1)?.checks)).toContain('ECONNREFUSED');

      const open = await simProject({ run: { max_retries: 0 } });
      await open.importTasks([simTask('net', 'sim: run true', [connect])]);
      await open.cli(['run', '--no-ui'], { timeoutMs: 120_000 });
      expect(open.task('net').status).toBe('done');
    } finally {
      server.close();
    }
  });

  it('mode = "off" runs without it and says so in the first line', async () => {
    const project = await simProject({ config: { sandbox: { mode: 'off' } } });
    await project.importTasks([
      simTask('plain', 'sim: run echo "sandbox=${NIGHTSHIFT_SANDBOX:-none}"', ['true']),
    ]);
    const run = await project.cli(['run', '--no-ui'], { timeoutMs: 120_000 });
    expect(run.stderr.split('\n')[0]).toMatch(/^nightshift: sandbox: off/);
    expect(toolResults(project, 'plain').get('echo "sandbox=${NIGHTSHIFT_SANDBOX:-none}"')?.output).toContain(
      'sandbox=none',
    );
  });

  it('refuses to start when mode = "bwrap" and bwrap cannot work', async () => {
    const project = await simProject({ config: { sandbox: { mode: 'bwrap' } } });
    await project.importTasks([simTask('t', 'sim: run true', ['true'])]);
    const run = await project.cli(['run', '--no-ui'], {
      env: { NIGHTSHIFT_BWRAP: '/bin/false' },
      timeoutMs: 60_000,
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toMatch(
      /\[sandbox\] mode = "bwrap" but bwrap cannot work here: bwrap cannot create namespaces/,
    );
    expect(project.task('t').attempts).toHaveLength(0);
  });
});
