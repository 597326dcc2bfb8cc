/**
 * A small queue in every state, shared by the board tests: one task running with a simulated
 * agent, one ready, one waiting on two others, one blocked, one done.
 */
import { createFakeClient, makeAgent, makeLine, makeRun, makeTask, type FakeClient } from './fake-client.js';

const start = new Date(Date.now() - 600_000).toISOString();
const end = new Date(Date.now() - 300_000).toISOString();

/** A client with the sample queue. */
export function sampleClient(): FakeClient {
  return createFakeClient({
    project: 'todo-api',
    run: makeRun({ parallel: 2, costUsd: 1.25 }),
    tasks: [
      makeTask({
        id: 'setup',
        title: 'Project skeleton',
        status: 'done',
        attempts: [
          {
            n: 1,
            runId: 'run-1',
            backend: 'sim',
            startedAt: start,
            endedAt: end,
            outcome: 'passed',
            checks: [],
            tokensIn: 10,
            tokensOut: 5,
            costUsd: 0.1,
            summary: 'skeleton in place',
          },
        ],
      }),
      makeTask({
        id: 'models',
        title: 'Data models',
        status: 'running',
        dependsOn: ['setup'],
        attempts: [
          {
            n: 1,
            runId: 'run-1',
            backend: 'sim',
            startedAt: end,
            outcome: 'running',
            checks: [],
            tokensIn: 0,
            tokensOut: 0,
            costUsd: 0,
            summary: '',
          },
        ],
      }),
      makeTask({ id: 'routes', title: 'HTTP routes', dependsOn: ['models', 'auth'] }),
      makeTask({
        id: 'auth',
        title: 'Token auth',
        priority: 1,
        description: 'Bearer tokens for every route.',
        steps: ['add middleware', 'write tests'],
      }),
      makeTask({
        id: 'docs',
        title: 'API docs',
        status: 'blocked',
        blockReason: 'failed 3 attempts: mkdocs missing',
      }),
    ],
    agents: [
      makeAgent({ id: 'agent-1', name: 'ada', taskId: 'models', state: 'tool', action: 'Bash: npm test' }),
    ],
    recent: [
      makeLine('run run-1 started: backend sim, parallel 2'),
      makeLine('setup done (abc12345)', { level: 'success', taskId: 'setup' }),
    ],
  });
}
