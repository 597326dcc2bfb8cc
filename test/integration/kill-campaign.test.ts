/**
 * The kill campaign (issue 9): for each git phase of an attempt (worktree add, commit, rebase,
 * fast-forward, branch removal) the engine is SIGKILLed — its whole process group, git included —
 * at two points chosen by a git hook, then run again. After the rerun every task is done exactly
 * once with one commit, no worktree, `nightshift/*` branch or lock file is left, `git fsck` and
 * `git gc` are clean, and the user's staged and unstaged edits in the main checkout are intact.
 * The figures of the whole campaign are printed at the end (the issue's note quotes them).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cleanupProjects, simProject, simTask } from '../support/engine-fixtures.js';
import {
  KILL_POINTS,
  armKill,
  auditRepository,
  disarmKill,
  killAtMarker,
  killStartedEngines,
  makeUserEdits,
  noFigures,
  startEngineGroup,
  type KillPoint,
} from '../support/kill-campaign.js';

afterEach(async () => {
  killStartedEngines();
  await cleanupProjects();
});

const figures = noFigures();

afterAll(() => {
  console.info(`kill campaign figures: ${JSON.stringify(figures)}`);
});

const TASKS = ['a', 'b', 'c'] as const;

/**
 * Three independent tasks at --parallel 3, paced so that they land one after another: the first
 * lands on an unmoved branch, the later ones have to rebase. Each attempt writes different content
 * (as a real agent would), so work done twice shows as a second commit.
 */
function campaignTasks(): ReturnType<typeof simTask>[] {
  return TASKS.map((id, index) =>
    simTask(
      id,
      `sim: delay ${index * 150}\nsim: run echo "task ${id} attempt $NIGHTSHIFT_ATTEMPT" > ${id}.txt`,
      [`test -f ${id}.txt`],
    ),
  );
}

const points: KillPoint[] = Object.values(KILL_POINTS).flat();

describe('kill campaign: SIGKILL at each git phase, then rerun', () => {
  it.each(points.map((point) => [point.name, point] as const))(
    'killed at %s: every task done once, nothing left behind',
    async (name, point) => {
      const project = await simProject({ run: { max_retries: 3 } });
      await project.importTasks(campaignTasks());
      const userEditsProblems = await makeUserEdits(project);
      figures.runs++;

      await armKill(project, point);
      const engine = startEngineGroup(project, ['run', '--no-ui', '--parallel', '3']);
      const kill = await killAtMarker(project, engine);
      if (kill.fired) figures.killsPerPhase[name] = (figures.killsPerPhase[name] ?? 0) + 1;
      else figures.missedKills.push(name);
      await disarmKill(project);
      // Work that reached the integration branch before the kill must not be done again.
      const subjectsBefore = await project.subjects();
      const landed = TASKS.filter((id) => subjectsBefore.some((s) => s.startsWith(`nightshift(${id}):`)));

      let rerun: { exitCode: number; stdout: string; stderr: string } | undefined;
      try {
        rerun = await project.cli(['run', '--no-ui', '--parallel', '3'], { timeoutMs: 90_000 });
      } catch (error) {
        rerun = { exitCode: -1, stdout: '', stderr: String(error) };
      }
      const stuck = rerun.exitCode !== 0;
      const audit = await auditRepository(project, TASKS);
      const userEdits = await userEditsProblems();
      const lastRun = project.state()?.runs.at(-1)?.id;
      const redone = landed.filter((id) =>
        project.task(id).attempts.some((attempt) => attempt.runId === lastRun),
      );
      figures.landedWorkRedone += redone.length;
      if (stuck) figures.stuckRuns++;
      figures.tasksLost += audit.lost.length;
      figures.duplicateCommits += audit.duplicateCommits;
      figures.fsckErrors += audit.fsckErrors.length;
      figures.leftoverWorktrees += audit.leftoverWorktrees.length;
      figures.leftoverBranches += audit.leftoverBranches.length;
      figures.lockFiles += audit.lockFiles.length;
      if (userEdits.length > 0) figures.userEditsDamaged++;

      const context = `${name}\n--- rerun (exit ${rerun.exitCode})\n${rerun.stdout}\n${rerun.stderr}`;
      expect(kill.fired, `the kill point ${name} was never reached`).toBe(true);
      expect({ ...audit, userEdits, stuck, redone }, context).toEqual({
        lost: [],
        duplicateCommits: 0,
        fsckErrors: [],
        leftoverWorktrees: [],
        leftoverBranches: [],
        lockFiles: [],
        userEdits: [],
        stuck: false,
        redone: [],
      });
    },
    150_000,
  );
});
