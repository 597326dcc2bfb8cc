/**
 * The board's client as the CLI hands it over: the engine's, plus what still works once a run has
 * ended and its engine exited. The board stays on a finished run until `q`, and its diff view
 * (`d`) then reads the task's diff from the project's own files, when they are on this machine,
 * with the same code the engine uses (report/task-diff-view.ts).
 */
import { existsSync } from 'node:fs';
import { projectPaths } from '../paths.js';
import type { CommandResult, EngineClient } from '../protocol/types.js';
import { taskDiffView } from '../report/task-diff-view.js';
import { errorMessage } from '../errors.js';

/** `client`, answering `task-diff` itself after the run ended when the project is local. */
export function boardClient(client: EngineClient): EngineClient {
  return {
    ...client,
    command: async (name, args = {}): Promise<CommandResult> => {
      const snapshot = client.current();
      const ended = snapshot?.run?.outcome !== undefined;
      const id = typeof args['id'] === 'string' ? args['id'] : '';
      const task = snapshot?.tasks.find((t) => t.id === id);
      const dir = snapshot ? projectPaths(snapshot.root).dir : '';
      if (name !== 'task-diff' || !ended || !task || !snapshot || !existsSync(dir))
        return client.command(name, args);
      try {
        return { ok: true, value: await taskDiffView(snapshot.root, dir, task) };
      } catch (error) {
        return { ok: false, error: errorMessage(error) };
      }
    },
  };
}
