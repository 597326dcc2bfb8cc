/**
 * Versioned migrations of `.nightshift/state.json`. Each is a pure function from the raw JSON of
 * one version to the raw JSON of the next; the Store validates the result against `stateSchema`.
 *
 * Version 0 never shipped: it is a synthetic predecessor that keeps the migration path exercised
 * and tested until a real v2 exists. A v0 file looked like v1 except that its tasks used the plan
 * file's snake_case for `depends_on`, `created_at` and `updated_at` (the last two optional).
 * When changing the state schema: bump STATE_VERSION and append a migration here.
 */
import { UserError } from '../errors.js';
import { STATE_VERSION } from './schema.js';

/** Raw JSON object of a state file, before validation. */
export type RawState = Record<string, unknown>;

/** One step from `from` to `from + 1`. */
export interface Migration {
  readonly from: number;
  /** One line on what changed, for logs and the backup's name. */
  readonly description: string;
  /** Pure: returns a new object and never mutates its input. */
  readonly up: (state: RawState) => RawState;
}

const EPOCH = new Date(0).toISOString();

/** v0 → v1: snake_case task keys became camelCase. */
const v0ToV1: Migration = {
  from: 0,
  description: 'tasks: depends_on/created_at/updated_at → dependsOn/createdAt/updatedAt',
  up(state) {
    const tasks = Array.isArray(state['tasks']) ? (state['tasks'] as unknown[]) : [];
    return {
      ...state,
      version: 1,
      tasks: tasks.map((task) => {
        if (task === null || typeof task !== 'object') return task;
        const { depends_on, created_at, updated_at, ...rest } = task as Record<string, unknown>;
        const createdAt = typeof created_at === 'string' ? created_at : EPOCH;
        return {
          ...rest,
          dependsOn: Array.isArray(depends_on) ? depends_on : [],
          createdAt,
          updatedAt: typeof updated_at === 'string' ? updated_at : createdAt,
        };
      }),
    };
  },
};

/**
 * v1 → v2: a queue of more than INLINE_TASKS_MAX tasks keeps them in task files beside state.json
 * (task-files.ts), which a v1 nightshift would read as an empty queue. The data is unchanged.
 */
const v1ToV2: Migration = {
  from: 1,
  description: 'tasks of a large queue kept in .nightshift/state-tasks/ files',
  up: (state) => ({ ...state, version: 2 }),
};

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [v0ToV1, v1ToV2];

/** The outcome of bringing a raw state up to date. */
export interface MigrationResult {
  readonly state: RawState;
  /** The version the file had. */
  readonly from: number;
  /** Descriptions of the migrations applied, oldest first (empty when already current). */
  readonly applied: readonly string[];
}

/**
 * Applies the migrations from `raw.version` up to `target`. A version newer than `target`, or a
 * gap in the list, is a UserError naming `file`; neither ever leads to a write.
 */
export function migrateState(
  raw: RawState,
  file: string,
  migrations: readonly Migration[] = MIGRATIONS,
  target: number = STATE_VERSION,
): MigrationResult {
  const from = raw['version'];
  if (typeof from !== 'number' || !Number.isInteger(from) || from < 0) {
    throw new UserError(`${file}: "version" must be a non-negative integer, got ${JSON.stringify(from)}`, {
      hint: 'the file is damaged; restore a copy from .nightshift/backups/ (it was left as it is)',
    });
  }
  if (from > target) {
    throw new UserError(
      `${file} was written by a newer nightshift (state version ${from}; this one reads up to ${target}); upgrade nightshift`,
      { hint: 'the file was left untouched; run `npm install -g nightshift@latest` or the newer build' },
    );
  }
  let state = raw;
  const applied: string[] = [];
  for (let version = from; version < target; version++) {
    const step = migrations.find((m) => m.from === version);
    if (step === undefined) {
      throw new UserError(`${file}: no migration from state version ${version} to ${version + 1}`, {
        hint: 'this nightshift cannot read that file; the file was left untouched',
      });
    }
    state = { ...step.up(state), version: version + 1 };
    applied.push(step.description);
  }
  return { state, from, applied };
}
