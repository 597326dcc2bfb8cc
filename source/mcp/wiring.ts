/**
 * Wiring the task tool server (`nightshift mcp`) into an agent run: the engine writes
 * `<attemptDir>/mcp.json` naming the server and sets the request's `mcpConfigPath`; each backend
 * turns that file into its CLI's own MCP config. The server gets the NIGHTSHIFT_* variables it
 * needs explicitly, since CLIs start MCP servers with a filtered environment (codex passes only a
 * small allowlist) and agents work in worktrees outside the project.
 */
import path from 'node:path';
import type { AgentRequest } from '../agents/backend.js';
import { writeMcpServers, type McpServerSpec } from './servers-file.js';

/** The server's name in every CLI's config; its tools appear as e.g. `mcp__nightshift__add_task`. */
export const TASK_SERVER_NAME = 'nightshift';

/** Variables of the agent's env the task server needs (the project, the task, the attempt). */
const FORWARDED_ENV = [
  'NIGHTSHIFT_PROJECT_ROOT',
  'NIGHTSHIFT_TASK_ID',
  'NIGHTSHIFT_ATTEMPT',
  'NIGHTSHIFT_RUN_ID',
  'NIGHTSHIFT_ROLE',
] as const;

/** How to start the task server for one agent request: `node …/dist/cli/index.js mcp`. */
export function taskServerSpec(request: Pick<AgentRequest, 'env' | 'nightshiftCommand'>): McpServerSpec {
  const [command = process.execPath, ...args] = request.nightshiftCommand;
  const env: Record<string, string> = {};
  for (const key of FORWARDED_ENV) {
    const value = request.env[key];
    if (value !== undefined) env[key] = value;
  }
  return { command, args: [...args, 'mcp'], env };
}

/**
 * The request with the task server wired in: writes `<attemptDir>/mcp.json` and points
 * `mcpConfigPath` at it. A request that already names an MCP file is returned unchanged.
 */
export async function withTaskServer(request: AgentRequest): Promise<AgentRequest> {
  if (request.mcpConfigPath !== undefined) return request;
  const file = path.join(request.attemptDir, 'mcp.json');
  await writeMcpServers(file, { [TASK_SERVER_NAME]: taskServerSpec(request) });
  return { ...request, mcpConfigPath: file };
}
