/**
 * `nightshift mcp`: the task tool server on stdio, started by agent CLIs from the MCP config
 * nightshift writes for each agent run (mcp/wiring.ts). Agents work in worktrees outside the
 * project, so the project comes from `--root`, else NIGHTSHIFT_PROJECT_ROOT, else the folder.
 */
import type { Command } from 'commander';
import { findProjectRoot } from './project.js';

/** Registers `mcp`. */
export function registerMcp(program: Command): void {
  program
    .command('mcp')
    .description(
      'serve the task tools to an agent over stdio (MCP): current_task, list_tasks, add_task, add_dependency, add_learning',
    )
    .option(
      '--root <dir>',
      'the project (default: NIGHTSHIFT_PROJECT_ROOT, else the nearest folder with nightshift.toml)',
    )
    .addHelpText(
      'after',
      '\nAgent CLIs start this themselves; nightshift wires it into every agent run.\nTask: NIGHTSHIFT_TASK_ID (current_task, default task of add_learning).',
    )
    .action(async (options: { root?: string }) => {
      const root = findProjectRoot(options.root ?? process.env['NIGHTSHIFT_PROJECT_ROOT'] ?? process.cwd());
      // Loaded here: the SDK costs ~0.5 s to import, which no other command should pay.
      const [{ serveTaskTools }, { projectTaskSource }] = await Promise.all([
        import('../mcp/server.js'),
        import('../mcp/task-source.js'),
      ]);
      const taskId = process.env['NIGHTSHIFT_TASK_ID'];
      const attempt = process.env['NIGHTSHIFT_ATTEMPT'];
      await serveTaskTools(projectTaskSource(root), {
        ...(taskId && { taskId }),
        ...(attempt && { attempt }),
      });
    });
}
