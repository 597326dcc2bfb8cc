/**
 * The task tool server while an engine runs: writes go through the engine's `task-write` command
 * (the engine stays the only writer of state.json), reads come from its snapshot, and a follow-up
 * task an agent adds is picked up by the same run.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, describe, expect, it } from 'vitest';
import { cliPath } from '../support/cli.js';
import { cleanupProjects, simProject, simTask, simWrite, waitFor } from '../support/engine-fixtures.js';

afterEach(cleanupProjects);

describe('nightshift mcp with a running engine', () => {
  it('adds a follow-up task and a learning note through the engine, and the run picks the task up', async () => {
    const project = await simProject();
    // Slow enough (delay per step) that the engine is still running while the tools are called.
    await project.importTasks([
      simTask('slow', `sim: delay 3000\n${simWrite('slow.txt', 'done')}`, ['test -f slow.txt']),
    ]);
    const engine = project.startCli(['run', '--no-ui']);
    await waitFor(() => project.state()?.tasks.find((task) => task.id === 'slow')?.status === 'running', {
      what: 'the slow task to start',
      timeoutMs: 30_000,
    });

    const client = new Client({ name: 'nightshift-test', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [cliPath, 'mcp'],
        env: {
          PATH: process.env['PATH'] ?? '',
          NIGHTSHIFT_PROJECT_ROOT: project.dir,
          NIGHTSHIFT_TASK_ID: 'slow',
          NIGHTSHIFT_ATTEMPT: '1',
        },
        stderr: 'pipe',
      }),
    );
    try {
      const current = await client.callTool({ name: 'current_task', arguments: {} });
      // Its agent may have finished on a loaded machine: then the gate is checking it.
      const shown = JSON.parse((current.content as { text: string }[])[0]?.text ?? '{}') as {
        id?: string;
        status?: string;
      };
      expect(shown.id).toBe('slow');
      expect(['running', 'verifying']).toContain(shown.status);
      const added = await client.callTool({
        name: 'add_task',
        arguments: {
          title: 'Follow up',
          steps: ['write the follow-up file'],
          verify: ['test -f follow.txt'],
          description: simWrite('follow.txt', 'more'),
          depends_on: ['slow'],
        },
      });
      expect(added.isError, JSON.stringify(added.content)).toBe(false);
      const noted = await client.callTool({
        name: 'add_learning',
        arguments: { text: 'slow.txt must end with a newline' },
      });
      expect(noted.isError, JSON.stringify(noted.content)).toBe(false);
      // Read back at once: from the engine's snapshot, not the (coalesced) store file.
      const listed = await client.callTool({ name: 'list_tasks', arguments: {} });
      expect(
        (JSON.parse((listed.content as { text: string }[])[0]?.text ?? '[]') as { id: string }[]).map(
          (task) => task.id,
        ),
      ).toEqual(['slow', 'follow-up']);
    } finally {
      await client.close();
    }

    const exit = await engine.exited;
    expect(exit.code, engine.output()).toBe(0);
    // The engine applied both writes: they are in its event log, and the run did the new task.
    const events = readFileSync(path.join(project.dir, '.nightshift', 'events.jsonl'), 'utf8');
    expect(events).toContain('added 1 task: follow-up');
    expect(events).toContain('noted for slow: slow.txt must end with a newline');
    expect(project.task('follow-up').status).toBe('done');
    expect(project.task('slow').learning).toContain('slow.txt must end with a newline');
    expect(project.state()?.learning.map((entry) => entry.text)).toContain(
      'slow.txt must end with a newline',
    );
  }, 90_000);
});
