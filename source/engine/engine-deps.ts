/**
 * What an Engine is built from, and what a re-plan (epochs) gets from it.
 */
import type { Config } from '../config/schema.js';
import type { EventLine } from '../protocol/types.js';
import type { ProjectPaths } from '../paths.js';
import type { Store } from '../store/store.js';
import type { TaskWrite } from '../tasks/task-write.js';
import type { Task } from '../tasks/model.js';
import type { AttemptRunner } from '../attempt/types.js';
import type { RunOptions } from '../config/run-options.js';
import type { RegressionRunner } from '../regression/types.js';

/** What the engine needs from the outside world. */
export interface EngineDeps {
  readonly paths: ProjectPaths;
  readonly config: Config;
  readonly store: Store;
  readonly options: RunOptions;
  readonly runAttempt: AttemptRunner;
  /**
   * Tries to land a task's verified work waiting on its branch; resolves to the task as it is
   * after (done, still waiting, or back to pending), or undefined when nothing changed.
   */
  readonly landWaiting?: (task: Task) => Promise<Task | undefined>;
  /** Which sandbox the run's agents and gates are in, for the run's first line. */
  readonly sandboxLine?: string | undefined;
  readonly now?: () => Date;
  /**
   * Epochs (`run --epochs N`): called when the queue is exhausted and epochs remain; re-plans and
   * resolves to the number of tasks added (0 ends the run). See plan/epoch.ts.
   */
  readonly replan?: (context: ReplanContext) => Promise<number>;
  /** Re-tests done tasks on the integration branch (`[regression] agents` > 0); see regression/. */
  readonly regression?: RegressionRunner;
}

/** What a re-plan gets from the engine: its task-write path (the engine stays the only writer). */
export interface ReplanContext {
  /** The epoch starting, from 2 (the run's first pass is epoch 1). */
  readonly epoch: number;
  readonly addTasks: (write: Extract<TaskWrite, { op: 'add' }>) => Promise<{ summary: string }>;
  readonly line: (level: EventLine['level'], message: string) => void;
  /** True once the run is stopping: the re-plan should end. */
  readonly stopped: () => boolean;
}
