/**
 * The task tool server (`nightshift mcp`, stdio): MCP tools through which an agent reads its task
 * and the queue, adds follow-up work and leaves learning notes (task-tools.ts). Built with the
 * official SDK; it never imports the engine, so it starts quickly inside every agent run.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
import { TASK_STATUSES } from '../tasks/model.js';
import { version } from '../version.js';
import {
  addDependency,
  addLearning,
  addTask,
  answer,
  currentTask,
  listTasks,
  type ToolAnswer,
  type ToolCaller,
} from './task-tools.js';
import type { TaskSource } from './task-source.js';

type ToolResult = { content: { type: 'text'; text: string }[]; isError: boolean };

function result(reply: ToolAnswer): ToolResult {
  return { content: [{ type: 'text', text: reply.text }], isError: reply.isError };
}

const stringList = (what: string): z.ZodOptional<z.ZodArray<z.ZodString>> =>
  z.array(z.string()).optional().describe(what);

/** An MCP server with the task tools over `source`, for the agent described by `caller`. */
export function createTaskServer(source: TaskSource, caller: ToolCaller): McpServer {
  const server = new McpServer(
    { name: 'nightshift', version },
    {
      instructions:
        'nightshift task tools: read your task (current_task) and the queue (list_tasks); when you find work outside your task, add a follow-up task (add_task) instead of doing it; record what the next agent should know (add_learning).',
    },
  );
  server.registerTool(
    'current_task',
    {
      description:
        'The task you are working on: title, description, steps, verification commands, earlier attempts and what was learned.',
      inputSchema: { task_id: z.string().optional().describe('another task id; default: your own task') },
    },
    async ({ task_id }) => result(await answer(() => currentTask(source, caller, task_id))),
  );
  server.registerTool(
    'list_tasks',
    {
      description: 'Every task in the queue: id, title, status, dependencies, priority.',
      inputSchema: { status: z.enum(TASK_STATUSES).optional().describe('only tasks with this status') },
    },
    async ({ status }) => result(await answer(() => listTasks(source, status))),
  );
  server.registerTool(
    'add_task',
    {
      description:
        'Add a follow-up task to the queue for another agent. It is audited like `nightshift task add`: it needs a title, concrete steps and at least one verification command that proves it done; dependencies must exist and form no cycle.',
      inputSchema: {
        title: z.string().describe('what the task achieves, in a few words'),
        description: z.string().optional().describe('what to build and why'),
        steps: stringList('concrete steps an agent can carry out, in order'),
        verify: stringList('shell commands that must all exit 0 when the task is done, e.g. "npm test"'),
        path_patterns: stringList('globs every changed file must match, e.g. "src/api/**"'),
        depends_on: stringList('ids of tasks that must be done first'),
        priority: z.number().int().optional().describe('higher runs first among ready tasks (default 0)'),
        id: z.string().optional().describe('task id; default: derived from the title'),
      },
    },
    async (args) => result(await answer(() => addTask(source, caller, args))),
  );
  server.registerTool(
    'add_dependency',
    {
      description:
        'Make task_id wait until depends_on is done. A dependency that would close a cycle is refused.',
      inputSchema: {
        task_id: z.string().describe('the task that waits'),
        depends_on: z.string().describe('the task that must be done first'),
      },
    },
    async ({ task_id, depends_on }) => result(await answer(() => addDependency(source, task_id, depends_on))),
  );
  server.registerTool(
    'add_learning',
    {
      description:
        "Record a lesson for later attempts and agents (a pitfall, a command that works, a fact about this project). It goes into the task's learning and the project's journal, which later prompts show.",
      inputSchema: {
        text: z.string().describe('the lesson, one or two sentences'),
        task_id: z.string().optional().describe('the task it belongs to; default: your own task'),
      },
    },
    async ({ text, task_id }) => result(await answer(() => addLearning(source, caller, text, task_id))),
  );
  return server;
}

/** Serves the task tools on stdin/stdout until the client closes the stream. */
export async function serveTaskTools(source: TaskSource, caller: ToolCaller): Promise<void> {
  const server = createTaskServer(source, caller);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = () => resolve();
    // The client closing our stdin is how a CLI ends its servers; the transport does not notice.
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  await closed;
  await server.close();
}
