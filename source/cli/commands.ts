/**
 * Every command of the CLI, in the order `--help` lists them. Only the invoked command's module is
 * loaded (its imports — zod, execa, the engine — cost 100–400 ms); the others appear in the top-level
 * help as light entries with the description given here.
 */
import type { Command } from 'commander';
import { UserError } from '../errors.js';

/** Adds one command (with its subcommands and flags) to the program. */
export type RegisterCommand = (program: Command) => void;

/** A command: its name, its one-line description for the top-level help, and how to load it. */
export interface CommandEntry {
  readonly name: string;
  readonly description: string;
  readonly hidden?: boolean;
  readonly load: () => Promise<RegisterCommand>;
}

export const commands: readonly CommandEntry[] = [
  {
    name: 'init',
    description: 'scaffold nightshift in a repository (config, store, AGENT.md, skills, agent wrappers)',
    load: async () => (await import('./init.js')).registerInit,
  },
  {
    name: 'plan',
    description: 'the planner agent writes a spec and an audited plan into the queue',
    load: async () => (await import('./plan.js')).registerPlan,
  },
  {
    name: 'task',
    description: 'inspect and edit the task queue',
    load: async () => (await import('./task.js')).registerTask,
  },
  {
    name: 'run',
    description: 'run the queue: agents work on ready tasks, the gate verifies, passing work is committed',
    load: async () => (await import('./run.js')).registerRun,
  },
  {
    name: 'attach',
    description: 'open the board of a running engine (here, or on another machine with --ssh)',
    load: async () => (await import('./attach.js')).registerAttach,
  },
  {
    name: 'status',
    description: 'queue counts, running agents, cost and recent events',
    load: async () => (await import('./status.js')).registerStatus,
  },
  {
    name: 'report',
    description: 'the night at a glance: outcomes, attempts, time, tokens, cost, and what needs you',
    load: async () => (await import('./report.js')).registerReport,
  },
  {
    name: 'logs',
    description: "print an attempt's terminal log (a task id, or a running agent's name)",
    load: async () => (await import('./logs.js')).registerLogs,
  },
  {
    name: 'stop',
    description: 'stop the running engine: agents are stopped, their attempts closed as interrupted',
    load: async () => (await import('./control.js')).registerControl,
  },
  {
    name: 'pause',
    description: 'pause the running engine: running agents finish, no new task starts',
    load: async () => (await import('./control.js')).registerControl,
  },
  {
    name: 'resume',
    description: 'resume a paused engine',
    load: async () => (await import('./control.js')).registerControl,
  },
  {
    name: 'ls',
    description: 'list the projects on this machine with an engine running',
    load: async () => (await import('./ls.js')).registerLs,
  },
  {
    name: 'verify',
    description: "run a task's verification now (in the main checkout) and print the gate result",
    load: async () => (await import('./verify.js')).registerVerify,
  },
  {
    name: 'review',
    description: "quality scores of recent attempts and the review agent's findings",
    load: async () => (await import('./review.js')).registerReview,
  },
  {
    name: 'land',
    description: 'land verified work waiting on its branch, without running an agent',
    load: async () => (await import('./land.js')).registerLand,
  },
  {
    name: 'clean',
    description: 'remove kept worktrees and nightshift/* branches that hold no waiting work',
    load: async () => (await import('./clean.js')).registerClean,
  },
  {
    name: 'reset',
    description:
      'back to the post-planning state: statuses, worktrees and commits after the plan (logs archived)',
    load: async () => (await import('./reset.js')).registerReset,
  },
  {
    name: 'demo',
    description: 'a complete run on a scratch project with the simulated agent (no API key needed)',
    load: async () => (await import('./demo.js')).registerDemo,
  },
  {
    name: 'doctor',
    description: 'check node-pty, git, the agent CLIs, the config and the store',
    load: async () => (await import('./doctor.js')).registerDoctor,
  },
  {
    name: 'mcp',
    description: 'the task tool server for agents, on stdio (MCP); nightshift wires it into every agent run',
    load: async () => (await import('./mcp.js')).registerMcp,
  },
  {
    name: 'hook',
    description: 'hooks called by agent CLIs (internal)',
    hidden: true,
    load: async () => (await import('./hook.js')).registerHook,
  },
];

/**
 * Registers the command named in argv fully and every other one as a help entry. `help NAME` and
 * unknown names load nothing extra; commander then reports them.
 */
export async function registerCommands(program: Command, argv: readonly string[]): Promise<void> {
  const args = argv.slice(2);
  const invoked = args[0] === 'help' ? args[1] : args.find((arg) => !arg.startsWith('-'));
  const loaded = new Set<RegisterCommand>();
  for (const entry of commands) {
    if (entry.name === invoked) {
      const register = await entry.load();
      // stop/pause/resume share one module that registers all three.
      if (!loaded.has(register)) register(program);
      loaded.add(register);
    }
  }
  const registered = new Set(program.commands.map((command) => command.name()));
  for (const entry of commands) {
    if (registered.has(entry.name)) continue;
    program.command(entry.name, { hidden: entry.hidden ?? false }).description(entry.description);
  }
  // Keep the listed order: commander lists commands in registration order.
  const order = new Map(commands.map((entry, index) => [entry.name, index]));
  (program.commands as Command[]).sort((a, b) => (order.get(a.name()) ?? 99) - (order.get(b.name()) ?? 99));
}

/** Edit distance between two short words, a swap of neighbours counting one (for "did you mean"). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i += 1)
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  return at(a.length, b.length);
}

/**
 * nightshift's own one-line error for a command it does not have (`nightshift version`,
 * `nightshift tsak list`), with what was probably meant; undefined when the command exists.
 */
export function unknownCommandError(argv: readonly string[]): UserError | undefined {
  const args = argv.slice(2);
  const invoked = args[0] === 'help' ? args[1] : args.find((arg) => !arg.startsWith('-'));
  if (invoked === undefined || invoked === 'help') return undefined;
  const names = commands.filter((entry) => !entry.hidden).map((entry) => entry.name);
  if (commands.some((entry) => entry.name === invoked)) return undefined;
  const flags: Record<string, string> = { version: 'nightshift --version', help: 'nightshift --help' };
  const closest = names
    .map((name) => ({ name, cost: distance(invoked, name) }))
    .sort((a, b) => a.cost - b.cost)[0];
  const meant =
    flags[invoked] ??
    (closest && closest.cost <= Math.max(1, Math.floor(invoked.length / 3))
      ? `nightshift ${[closest.name, ...args.slice(args.indexOf(invoked) + 1)].join(' ')}`
      : undefined);
  return new UserError(`unknown command "${invoked}"`, {
    hint: meant
      ? `did you mean \`${meant}\`? (nightshift --help lists the commands)`
      : 'nightshift --help lists the commands',
  });
}
