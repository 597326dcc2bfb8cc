/**
 * `nightshift init [dir]`: scaffolds a project (DESIGN.md §1). The work is in init/scaffold.ts;
 * this file parses flags and prints what was created, kept and what to do next.
 */
import { Option, type Command } from 'commander';
import { BACKEND_NAMES, type BackendName } from '../config/schema.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { UserError } from '../errors.js';
import { gitRepositoryInfo } from '../init/probe.js';
import { scaffold, type ScaffoldResult } from '../init/scaffold.js';

interface InitOptions {
  readonly use?: BackendName;
  readonly name?: string;
  readonly json?: boolean;
  readonly commit?: boolean;
}

/** What `--commit` committed. */
interface InitCommit {
  readonly commit: string;
  readonly files: readonly string[];
}

/** Registers `init`. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description(
      "set up nightshift in a repository: nightshift.toml, .nightshift/, AGENT.md, .skills/ and the tool's wrapper files",
    )
    .argument('[dir]', 'the repository folder (created when missing)', '.')
    .addOption(
      // No commander default: a re-run without --use keeps the backend nightshift.toml names.
      new Option(
        '--use <backend>',
        'the agent CLI to use by default; its wrapper files are written (default: claude, or what nightshift.toml says)',
      ).choices([...BACKEND_NAMES]),
    )
    .option('--name <name>', "project name (default: nightshift.toml's, else the folder's name)")
    .option(
      '--commit',
      'commit what init wrote (all but .nightshift/), and only that: agents see only committed files',
    )
    .option('--json', 'print {created, updated, skipped, warnings, commit} as JSON')
    .addHelpText(
      'after',
      [
        '',
        'Never overwrites a file: re-running adds what is missing and lists what it kept.',
        '',
        'Examples:',
        '  nightshift init --use claude',
        '  nightshift init ../my-app --use codex --name my-app',
        '  nightshift init --use claude --commit    # and commit AGENT.md, .skills/, nightshift.toml, …',
      ].join('\n'),
    )
    .action(async (dir: string, options: InitOptions) => {
      // Checked before anything is written: --commit needs a repository to commit to.
      if (options.commit) await requireRepository(dir);
      const result = await scaffold({ dir, backend: options.use, name: options.name });
      const commit = options.commit ? await commitScaffold(result) : undefined;
      if (options.json) printJson({ ...result, commit: commit ?? null });
      else printSummary(result, commit);
    });
}

async function requireRepository(dir: string): Promise<void> {
  const folder = path.resolve(dir);
  const info = existsSync(folder) ? await gitRepositoryInfo(folder) : { kind: 'not-a-repository' as const };
  if (info.kind === 'repository') return;
  throw new UserError(
    info.kind === 'no-git'
      ? `init --commit needs git: ${info.error}`
      : `init --commit: ${folder} is not a git repository; nothing was written`,
    { hint: `run \`git init\` there first, or leave out --commit` },
  );
}

/**
 * Commits what init wrote, and only that: `git commit --only` leaves whatever the user had staged
 * staged and out of this commit.
 */
async function commitScaffold(result: ScaffoldResult): Promise<InitCommit | undefined> {
  const files = filesToCommit(result);
  if (files.length === 0) return undefined;
  const git = (args: string[]) => execa('git', args, { cwd: result.root, stdin: 'ignore' });
  await git(['add', '--', ...files]);
  await git(['commit', '-q', '--only', '-m', 'Set up nightshift', '--', ...files]);
  const commit = (await git(['rev-parse', 'HEAD'])).stdout.trim();
  return { commit, files };
}

function printSummary(result: ScaffoldResult, commit?: InitCommit): void {
  const folder = result.createdRoot ? ' (new folder)' : '';
  printLine(
    `nightshift init: ${result.root}${folder} — project "${result.project}", backend ${result.backend}`,
  );
  for (const file of result.created) printLine(`  created  ${file}`);
  for (const file of result.updated)
    printLine(`  updated  ${file}${file === '.gitignore' ? ' (added .nightshift/)' : ''}`);
  for (const file of result.skipped) printLine(`  kept     your ${file}`);
  if (result.created.length === 0 && result.updated.length === 0)
    printLine('Everything was already in place; nothing was changed.');
  for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
  printLine();
  printLine('Next:');
  printLine('  nightshift plan --intent "what you want built"      # let the planner write a spec and tasks');
  printLine('  nightshift task add --title "…" --verify "npm test"  # or add tasks yourself');
  printLine(
    '  nightshift doctor                                    # check node-pty, git and the agent CLIs',
  );
  const toCommit = filesToCommit(result);
  if (commit) {
    printLine();
    printLine(
      `Committed ${commit.files.length} file(s) as ${commit.commit.slice(0, 8)} "Set up nightshift".`,
    );
  } else if (toCommit.length > 0) {
    printLine();
    printLine(
      `Commit what init wrote (agents work in worktrees made from HEAD, so they see only committed files): git add ${toCommit.join(' ')} && git commit -m "Set up nightshift" (or re-run with --commit)`,
    );
  }
}

/** What init created or changed that belongs in the repository: all but .nightshift/ (ignored). */
function filesToCommit(result: ScaffoldResult): string[] {
  return [...result.created, ...result.updated].filter((file) => !file.startsWith('.nightshift'));
}

function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

function printJson(value: unknown): void {
  printLine(JSON.stringify(value, null, 2));
}
