/**
 * The set-up the board's tmux e2e tests share: a sim project (engine-fixtures.ts) with its plan
 * imported, the environment a pane needs to run its commands, and a shell in a private tmux pane of
 * a given size that is ready for input.
 *
 *   const project = await boardProject([simTask('one', simWrite('one.txt', 'ok'), ['test -f one.txt'])]);
 *   const tmux = await boardShell(sessions, project, 120, 35);
 *   await tmux.type(`${cli} run; echo "exit=$?"`);
 */
import { cliPath } from './cli.js';
import { simProject, type PlanTask, type SimProject } from './engine-fixtures.js';
import { shellReady, startTmux, type TmuxSession } from './tmux.js';

/** The built CLI as a shell command. */
export const cli = `node ${cliPath}`;

/** A sim project and the environment a pane runs its commands with. */
export interface BoardProject extends SimProject {
  /** The project's state home, and NO_COLOR so that captures compare as plain text. */
  readonly env: Record<string, string>;
}

/** A sim project with `tasks` imported. */
export async function boardProject(tasks: readonly PlanTask[]): Promise<BoardProject> {
  const project = await simProject();
  if (tasks.length > 0) await project.importTasks(tasks);
  return Object.assign(project, { env: { XDG_STATE_HOME: project.stateHome, NO_COLOR: '1' } });
}

/**
 * A tmux session of `width`x`height` in the project, its shell ready; pushed onto `sessions` for
 * the caller's afterAll to kill.
 */
export async function boardShell(
  sessions: TmuxSession[],
  project: BoardProject,
  width: number,
  height: number,
): Promise<TmuxSession> {
  const tmux = await startTmux({ cwd: project.dir, width, height, env: project.env });
  sessions.push(tmux);
  await shellReady(tmux);
  return tmux;
}
