/**
 * The command line as a whole, run as the built binary: help, version, unknown commands, how
 * errors print (one line, a stack only with DEBUG=nightshift), and commands outside a project.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempDir, tempGitRepo } from '../support/cli.js';

/** The commands of DESIGN.md §1; `--help` must list at least these (and every listed one must have a working --help). */
const REQUIRED_COMMANDS = [
  'init',
  'plan',
  'task',
  'run',
  'attach',
  'status',
  'logs',
  'stop',
  'pause',
  'resume',
  'ls',
  'verify',
  'reset',
  'demo',
  'doctor',
];

/** Names in the `Commands:` section of a commander help text (without `help`). */
function listedCommands(help: string): string[] {
  // The section ends at the first blank line (an Examples block may follow).
  const section = (help.split(/^Commands:$/m)[1] ?? '').split(/\n\s*\n/)[0] ?? '';
  const names: string[] = [];
  for (const line of section.split('\n')) {
    const match = /^ {2}([a-z][\w-]*)/.exec(line);
    if (match?.[1] !== undefined && match[1] !== 'help') names.push(match[1]);
  }
  return names;
}

/** A stack frame line as V8 prints it. */
const STACK_FRAME = /^\s+at .+[:(]/m;

describe('nightshift --help and --version', () => {
  let help = '';

  beforeAll(async () => {
    const result = await runCli(['--help']);
    expect(result.exitCode).toBe(0);
    help = result.stdout;
  });

  it('lists every command', () => {
    expect(help).toMatch(/^Usage: nightshift /m);
    const listed = listedCommands(help);
    for (const name of REQUIRED_COMMANDS) expect(listed, name).toContain(name);
    // The internal hook entry point stays out of the user's list.
    expect(listed).not.toContain('hook');
  });

  it('prints the version of package.json with --version and -V', async () => {
    const manifest = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-V']) {
      const result = await runCli([flag]);
      expect(result).toEqual({ exitCode: 0, stdout: manifest.version, stderr: '' });
    }
  });

  it('gives every listed command a --help with a usage line and a description (exit 0)', async () => {
    const names = listedCommands(help);
    const results = await Promise.all(names.map((name) => runCli([name, '--help'])));
    names.forEach((name, index) => {
      const result = results[index];
      expect(result?.exitCode, name).toBe(0);
      const lines = (result?.stdout ?? '').split('\n');
      expect(lines[0], name).toMatch(new RegExp(`^Usage: nightshift ${name}\\b`));
      // commander prints the description after a blank line under the usage line.
      expect(lines[1], name).toBe('');
      expect(lines[2]?.trim().length ?? 0, `${name} has a description`).toBeGreaterThan(10);
    });
  });

  it('gives every task subcommand a --help with a description', async () => {
    const taskHelp = await runCli(['task', '--help']);
    expect(taskHelp.exitCode).toBe(0);
    const subcommands = listedCommands(taskHelp.stdout);
    expect(subcommands).toEqual(
      expect.arrayContaining([
        'list',
        'show',
        'add',
        'import',
        'export',
        'next',
        'reset',
        'retry',
        'block',
        'dep',
      ]),
    );
    const nested: string[][] = [
      ...subcommands.map((name) => ['task', name]),
      ['task', 'dep', 'add'],
      ['task', 'dep', 'rm'],
    ];
    const results = await Promise.all(nested.map((args) => runCli([...args, '--help'])));
    nested.forEach((args, index) => {
      const result = results[index];
      const name = args.join(' ');
      expect(result?.exitCode, name).toBe(0);
      expect(result?.stdout, name).toMatch(new RegExp(`^Usage: nightshift ${name}\\b`));
      expect(
        (result?.stdout.split('\n')[2] ?? '').trim().length,
        `${name} has a description`,
      ).toBeGreaterThan(10);
    });
  });

  it('documents exit codes in the help of run and verify', async () => {
    const [run, verify] = await Promise.all([runCli(['run', '--help']), runCli(['verify', '--help'])]);
    expect(run.stdout).toMatch(
      /Exit codes: 0 all done, 1 error, 2 ended with blocked tasks, 3 stopped at a limit \(--max-cost, --max-tasks\) with tasks still pending, 130 interrupted/,
    );
    expect(verify.stdout).toMatch(/Exit codes: 0 the gate passed, 2 it failed, 1 it could not run/);
  });
});

describe('bad command lines', () => {
  it('rejects an unknown command with exit 1 and says so', async () => {
    const result = await runCli(['bogus']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    // nightshift's own one line, with a pointer to the list of commands.
    expect(result.stderr).toMatch(
      /^nightshift: unknown command "bogus"\n {2}nightshift --help lists the commands$/,
    );
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  it('says what was meant: `nightshift version` is --version, a typo is the nearest command', async () => {
    const version = await runCli(['version']);
    expect(version.exitCode).toBe(1);
    expect(version.stderr).toContain('unknown command "version"');
    expect(version.stderr).toContain('did you mean `nightshift --version`?');
    const typo = await runCli(['tsak', 'list', '--json']);
    expect(typo.exitCode).toBe(1);
    expect(typo.stderr).toContain('did you mean `nightshift task list --json`?');
    expect(typo.stderr).not.toMatch(STACK_FRAME);
  });

  it('rejects an unknown task subcommand, an unknown option and a bad choice with exit 1', async () => {
    const dir = await tempDir();
    const cases: { args: string[]; message: RegExp }[] = [
      { args: ['task', 'bogus'], message: /unknown command 'bogus'/ },
      { args: ['task', 'list', '--bogus'], message: /unknown option '--bogus'/ },
      {
        args: ['task', 'list', '--status', 'weird'],
        message: /argument 'weird' is invalid.*pending, running, verifying, done, blocked/,
      },
      { args: ['task', 'show'], message: /missing required argument 'id'/ },
      { args: ['task', 'block', 'x'], message: /missing required argument 'reason'/ },
      { args: ['init', '--use', 'nobody'], message: /argument 'nobody' is invalid.*claude/ },
    ];
    const results = await Promise.all(cases.map(({ args }) => runCli(args, { cwd: dir })));
    cases.forEach(({ args, message }, index) => {
      const result = results[index];
      expect(result?.exitCode, args.join(' ')).toBe(1);
      expect(result?.stderr, args.join(' ')).toMatch(message);
      expect(result?.stderr, args.join(' ')).not.toMatch(STACK_FRAME);
    });
  });
});

describe('how errors print', () => {
  let project = '';

  beforeAll(async () => {
    project = await tempGitRepo();
    expect((await runCli(['init', '--use', 'sim'], { cwd: project })).exitCode).toBe(0);
  });

  it('prints an unexpected error as one line plus a pointer to DEBUG, with no stack trace', async () => {
    // Writing into a folder that does not exist fails inside Node, not with a prepared message.
    const target = path.join(project, 'no-such-folder', 'plan.json');
    const result = await runCli(['task', 'export', '-o', target], { cwd: project });
    expect(result.exitCode).toBe(1);
    const lines = result.stderr.split('\n');
    expect(lines[0]).toMatch(
      /^nightshift: ENOENT: no such file or directory, open '.*no-such-folder\/plan\.json'$/,
    );
    expect(lines.slice(1)).toEqual(['  (set DEBUG=nightshift for details)']);
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  it('shows the stack with DEBUG=nightshift', async () => {
    const target = path.join(project, 'no-such-folder', 'plan.json');
    const result = await runCli(['task', 'export', '-o', target], {
      cwd: project,
      env: { DEBUG: 'nightshift' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr.split('\n')[0]).toMatch(/^nightshift: ENOENT/);
    expect(result.stderr).toMatch(STACK_FRAME);
  });

  it('prints a user error as its message and hint only; DEBUG (also in a list) adds the stack', async () => {
    const plain = await runCli(['task', 'show', 'nope'], { cwd: project });
    expect(plain.exitCode).toBe(1);
    expect(plain.stderr).toBe('nightshift: no task "nope"; run nightshift task list');

    for (const debug of ['nightshift', 'other,nightshift', 'nightshift:*']) {
      const withDebug = await runCli(['task', 'show', 'nope'], { cwd: project, env: { DEBUG: debug } });
      expect(withDebug.exitCode, debug).toBe(1);
      expect(withDebug.stderr, debug).toMatch(/^nightshift: no task "nope"/);
      expect(withDebug.stderr, debug).toMatch(/UserError: no task "nope"/);
      expect(withDebug.stderr, debug).toMatch(STACK_FRAME);
    }
    const unrelated = await runCli(['task', 'show', 'nope'], {
      cwd: project,
      env: { DEBUG: 'nightshiftx,express' },
    });
    expect(unrelated.stderr).not.toMatch(STACK_FRAME);
  });
});

describe('commands outside a project', () => {
  const commands: string[][] = [
    ['task', 'list'],
    ['task', 'show', 'x'],
    ['task', 'add', '--title', 'x', '--verify', 'true'],
    ['task', 'import', 'plan.json'],
    ['task', 'export'],
    ['task', 'next'],
    ['task', 'reset'],
    ['task', 'retry'],
    ['task', 'block', 'x', 'why'],
    ['task', 'dep', 'add', 'a', 'b'],
    ['task', 'dep', 'rm', 'a', 'b'],
    ['run', '--no-ui'],
    ['status'],
    ['logs', 'x'],
    ['stop'],
    ['pause'],
    ['resume'],
    ['verify', 'x'],
  ];

  it('tell the user to run `nightshift init` (exit 1) and write nothing', async () => {
    const dir = await tempDir();
    const results = await Promise.all(commands.map((args) => runCli(args, { cwd: dir })));
    commands.forEach((args, index) => {
      const result = results[index];
      const name = args.join(' ');
      expect(result?.exitCode, name).toBe(1);
      expect(result?.stderr, name).toContain(
        `nightshift: no nightshift project here: no nightshift.toml in ${dir} or any parent folder`,
      );
      expect(result?.stderr, name).toContain('run `nightshift init`');
      expect(result?.stderr, name).not.toMatch(STACK_FRAME);
    });
  });

  it('finds the project from a subfolder', async () => {
    const project = await tempGitRepo();
    expect((await runCli(['init', '--use', 'sim'], { cwd: project })).exitCode).toBe(0);
    const result = await runCli(['task', 'list'], { cwd: path.join(project, '.nightshift', 'logs') });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^No tasks yet/);
  });
});
