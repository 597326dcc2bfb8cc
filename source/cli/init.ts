/**
 * `nightshift init [dir]`: scaffolds a project (DESIGN.md §1). The work is in init/scaffold.ts;
 * this file parses flags and prints what was created, kept and what to do next.
 */
import { Option, type Command } from 'commander';
import { BACKEND_NAMES, type BackendName } from '../config/schema.js';
import { scaffold, type ScaffoldResult } from '../init/scaffold.js';

interface InitOptions {
  readonly use?: BackendName;
  readonly name?: string;
  readonly json?: boolean;
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
    .option('--json', 'print {created, updated, skipped, warnings} as JSON')
    .addHelpText(
      'after',
      [
        '',
        'Never overwrites a file: re-running adds what is missing and lists what it kept.',
        '',
        'Examples:',
        '  nightshift init --use claude',
        '  nightshift init ../my-app --use codex --name my-app',
      ].join('\n'),
    )
    .action(async (dir: string, options: InitOptions) => {
      const result = await scaffold({ dir, backend: options.use, name: options.name });
      if (options.json) printJson(result);
      else printSummary(result);
    });
}

function printSummary(result: ScaffoldResult): void {
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
  if (toCommit.length > 0) {
    printLine();
    printLine(
      `Commit what init wrote (agents work in worktrees made from HEAD, so they see only committed files): git add ${toCommit.join(' ')} && git commit -m "Set up nightshift"`,
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
