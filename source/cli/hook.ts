/**
 * `nightshift hook pre-tool-use`: the command Claude Code's PreToolUse hook runs before each tool
 * call (DESIGN.md §8). It is for agents, not people, so it is hidden from `--help`. It runs before
 * every Bash call, so the policy code is imported only when the hook actually fires.
 */
import type { Command } from 'commander';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Registers the hidden `hook` command and its `pre-tool-use` subcommand. */
export function registerHook(program: Command): void {
  const hook = program
    .command('hook', { hidden: true })
    .description('Hooks that agent CLIs call back into (not for direct use).');
  hook
    .command('pre-tool-use')
    .description(
      'Claude Code PreToolUse hook: reads the hook JSON on stdin and denies Bash commands the policy blocks (policy from NIGHTSHIFT_POLICY, else nightshift.toml, else the defaults).',
    )
    .action(async () => {
      const { runPreToolUse } = await import('../security/pre-tool-use.js');
      const result = runPreToolUse(await readStdin(), process.env, process.cwd());
      if (result.stderr) process.stderr.write(result.stderr);
      if (result.stdout) process.stdout.write(result.stdout);
    });
}
