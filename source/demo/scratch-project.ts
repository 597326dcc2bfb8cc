/**
 * The demo's scratch project: a new git repository under the system temp dir (or a given empty
 * folder), scaffolded like `nightshift init --use sim`, with the demo plan in its queue.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, realpath, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '../errors.js';
import { scaffold } from '../init/scaffold.js';
import { projectPaths } from '../paths.js';
import { parsePlanFile } from '../tasks/plan-file.js';
import { withStoreWrite } from '../store/lock.js';
import { applyTaskWrite } from '../tasks/task-write.js';
import { demoPlan } from './plan.js';

const run = promisify(execFile);

/** What was made. */
export interface ScratchProject {
  readonly root: string;
  readonly taskIds: readonly string[];
}

/** Creates the project at `dir` (must be missing or empty) or in a new `nightshift-demo-XXXX` temp folder. */
export async function createScratchProject(
  options: { dir?: string; stepDelayMs?: number } = {},
): Promise<ScratchProject> {
  const root = await prepareFolder(options.dir);
  const git = (...args: string[]): Promise<unknown> => run('git', args, { cwd: root });
  await git('init', '-q', '-b', 'main');
  // The demo must not depend on (or change) the user's git identity or signing setup.
  await git('config', 'user.name', 'nightshift demo');
  await git('config', 'user.email', 'demo@nightshift.invalid');
  await git('config', 'commit.gpgsign', 'false');
  await writeFile(
    path.join(root, 'README.md'),
    "# wordstat (nightshift demo)\n\nWord counts and readability for a text, built task by task by nightshift's **simulated** agent\n" +
      '(the `sim` backend: no model, no API key). The code and the tests are real: run `node --test`.\n',
  );
  await scaffold({ dir: root, backend: 'sim', name: 'wordstat-demo' });
  await git('add', '-A');
  await git('commit', '-q', '-m', 'nightshift demo: an empty project');

  const plan = parsePlanFile(JSON.stringify(demoPlan(options.stepDelayMs), null, 2), 'the demo plan');
  const paths = projectPaths(root);
  // Kept for people who want to read the plan the demo ran; .nightshift/ is git-ignored.
  await writeFile(paths.plan, `${JSON.stringify(demoPlan(options.stepDelayMs), null, 2)}\n`);
  await withStoreWrite(root, (store) => {
    const draft = structuredClone(store.state);
    applyTaskWrite(draft, { op: 'add', tasks: plan.tasks, epics: plan.epics, replace: false });
    store.update((state) => {
      state.tasks = draft.tasks;
      state.epics = draft.epics;
    });
    return Promise.resolve();
  });
  return { root, taskIds: plan.tasks.map((task) => task.id) };
}

async function prepareFolder(dir: string | undefined): Promise<string> {
  if (dir === undefined) return realpath(await mkdtemp(path.join(os.tmpdir(), 'nightshift-demo-')));
  const root = path.resolve(dir);
  await mkdir(root, { recursive: true });
  const entries = await readdir(root);
  if (entries.length > 0) {
    throw new UserError(`${root} is not empty; the demo needs an empty folder for its scratch project`, {
      hint: 'pick a new folder with --dir, or leave --dir out to use one under the system temp dir',
    });
  }
  return realpath(root);
}
