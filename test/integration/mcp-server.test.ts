/**
 * The task tool server (`nightshift mcp`) driven by the MCP SDK's own client over stdio, as an agent
 * CLI drives it: the built CLI in a temporary project, the task from NIGHTSHIFT_TASK_ID, the
 * project from NIGHTSHIFT_PROJECT_ROOT (agents run in worktrees outside the project).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { State } from '../../source/store/schema.js';
import { cliPath, runCli, tempDir, tempGitRepo } from '../support/cli.js';

let project: string;
let client: Client;

function state(): State {
  return JSON.parse(readFileSync(path.join(project, '.nightshift', 'state.json'), 'utf8')) as State;
}

/** Calls a tool; returns its text and whether it was an error. */
async function call(
  name: string,
  args: Record<string, unknown> = {},
): Promise<{ text: string; isError: boolean }> {
  const result = await client.callTool({ name, arguments: args });
  const content = result.content as { type: string; text?: string }[];
  return { text: content.map((part) => part.text ?? '').join('\n'), isError: result.isError === true };
}

beforeAll(async () => {
  project = await tempGitRepo('nightshift-mcp-');
  for (const args of [
    ['init', '--use', 'sim'],
    [
      'task',
      'add',
      '--id',
      'api',
      '--title',
      'Build the API',
      '--step',
      'write the routes',
      '--verify',
      'test -f api.txt',
    ],
    [
      'task',
      'add',
      '--id',
      'docs',
      '--title',
      'Document the API',
      '--step',
      'write docs',
      '--verify',
      'test -f docs.txt',
      '--depends-on',
      'api',
    ],
  ]) {
    const result = await runCli(args, { cwd: project });
    expect(result.exitCode, result.stderr).toBe(0);
  }
  // Started from elsewhere, like an agent in its worktree: the env names the project.
  const elsewhere = await tempDir('nightshift-mcp-cwd-');
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cliPath, 'mcp'],
    cwd: elsewhere,
    env: {
      PATH: process.env['PATH'] ?? '',
      NIGHTSHIFT_PROJECT_ROOT: project,
      NIGHTSHIFT_TASK_ID: 'api',
      NIGHTSHIFT_ATTEMPT: '2',
    },
    stderr: 'pipe',
  });
  client = new Client({ name: 'nightshift-test', version: '1.0.0' });
  await client.connect(transport);
}, 60_000);

afterAll(async () => {
  await client?.close();
});

describe('nightshift mcp', () => {
  it('lists the five task tools with their input schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'add_dependency',
      'add_learning',
      'add_task',
      'current_task',
      'list_tasks',
    ]);
    const addTask = tools.find((tool) => tool.name === 'add_task');
    expect(addTask?.inputSchema.required).toEqual(['title']);
    expect(Object.keys(addTask?.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(['title', 'steps', 'verify', 'depends_on']),
    );
  });

  it('current_task answers with the task of NIGHTSHIFT_TASK_ID', async () => {
    const reply = await call('current_task');
    expect(reply.isError).toBe(false);
    const task = JSON.parse(reply.text) as Record<string, unknown>;
    expect(task).toMatchObject({
      id: 'api',
      title: 'Build the API',
      steps: ['write the routes'],
      verification: { commands: ['test -f api.txt'], path_patterns: [] },
      attempts: [],
      learning: [],
      this_attempt: 2,
    });
  });

  it('list_tasks gives ids, titles, statuses and dependencies, optionally filtered', async () => {
    const all = JSON.parse((await call('list_tasks')).text) as { id: string; depends_on: string[] }[];
    expect(all.map((task) => [task.id, task.depends_on])).toEqual([
      ['api', []],
      ['docs', ['api']],
    ]);
    expect(JSON.parse((await call('list_tasks', { status: 'done' })).text)).toEqual([]);
  });

  it('add_task puts an audited follow-up task into state.json', async () => {
    const reply = await call('add_task', {
      title: 'Rate-limit the API',
      description: 'found while building the API',
      steps: ['add a limiter middleware'],
      verify: ['npm test'],
      depends_on: ['api'],
    });
    expect(reply.isError, reply.text).toBe(false);
    expect(JSON.parse(reply.text)).toMatchObject({ added: 'rate-limit-the-api' });
    const added = state().tasks.find((task) => task.id === 'rate-limit-the-api');
    expect(added).toMatchObject({
      status: 'pending',
      dependsOn: ['api'],
      steps: ['add a limiter middleware'],
      verification: { commands: ['npm test'] },
    });
    expect(added?.notes).toContain('added by the agent working on api (attempt 2)');
  });

  it('add_task without a verification command is refused by the audit, naming the field', async () => {
    const reply = await call('add_task', { title: 'Unverifiable', steps: ['do something'] });
    expect(reply.isError).toBe(true);
    expect(reply.text).toContain('task "unverifiable" field verification');
    expect(reply.text).toContain('validate command');
    expect(state().tasks.some((task) => task.id === 'unverifiable')).toBe(false);
  });

  it('add_task without a title is refused, naming the field', async () => {
    const reply = await call('add_task', { steps: ['x'], verify: ['true'] });
    expect(reply.isError).toBe(true);
    expect(reply.text).toMatch(/title/);
  });

  it('add_task with an unknown dependency is refused, naming the field', async () => {
    const reply = await call('add_task', {
      title: 'Orphan',
      steps: ['x'],
      verify: ['true'],
      depends_on: ['nope'],
    });
    expect(reply.isError).toBe(true);
    expect(reply.text).toContain('dependsOn');
  });

  it('add_dependency adds an edge, and refuses one that would close a cycle, naming the cycle', async () => {
    const ok = await call('add_dependency', { task_id: 'rate-limit-the-api', depends_on: 'docs' });
    expect(ok.isError, ok.text).toBe(false);
    expect(state().tasks.find((task) => task.id === 'rate-limit-the-api')?.dependsOn).toEqual([
      'api',
      'docs',
    ]);

    const cycle = await call('add_dependency', { task_id: 'api', depends_on: 'rate-limit-the-api' });
    expect(cycle.isError).toBe(true);
    expect(cycle.text).toContain('cycle');
    expect(cycle.text).toMatch(/api → .*rate-limit-the-api.* → api|rate-limit-the-api → .*api/);
    expect(state().tasks.find((task) => task.id === 'api')?.dependsOn).toEqual([]);
  });

  it("add_learning writes the note into the task's learning and the project's journal", async () => {
    const reply = await call('add_learning', { text: 'The API tests need PORT=0 to avoid clashes.' });
    expect(reply.isError, reply.text).toBe(false);
    const after = state();
    expect(after.tasks.find((task) => task.id === 'api')?.learning).toEqual([
      'The API tests need PORT=0 to avoid clashes.',
    ]);
    expect(after.learning.at(-1)).toMatchObject({
      taskId: 'api',
      text: 'The API tests need PORT=0 to avoid clashes.',
    });
    // The next current_task shows it.
    expect(JSON.parse((await call('current_task')).text)).toMatchObject({
      learning: ['The API tests need PORT=0 to avoid clashes.'],
    });
  });

  it('current_task of an unknown task is a tool error', async () => {
    const reply = await call('current_task', { task_id: 'nope' });
    expect(reply.isError).toBe(true);
    expect(reply.text).toContain('no task "nope"');
  });
});
