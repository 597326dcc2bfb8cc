/**
 * The bounded learning journals (DESIGN §5): the project's journal kept in the store and each task's
 * own `learning` list. Pure functions: they return new arrays.
 */
import type { LearningEntry } from '../store/schema.js';
import { MAX_JOURNAL_KEPT } from '../store/schema.js';
import { oneLine } from '../text.js';
import { MAX_LEARNING_KEPT } from './model.js';

/**
 * The project's learning journal with `entry` appended, bounded to the newest `max` entries. An
 * entry repeating an earlier text (same task, same words) replaces it instead of piling up, so a
 * lesson learned three times is one line, moved to the end. Pure: returns a new array.
 */
export function appendLearning(
  journal: readonly LearningEntry[],
  entry: LearningEntry,
  max: number = MAX_JOURNAL_KEPT,
): LearningEntry[] {
  const text = oneLine(entry.text, 1000);
  if (!text) return journal.slice(-max);
  const key = (e: LearningEntry): string => `${e.taskId ?? ''}\u0000${oneLine(e.text, 1000).toLowerCase()}`;
  const fresh: LearningEntry = { ...entry, text };
  const kept = journal.filter((e) => key(e) !== key(fresh));
  return [...kept, fresh].slice(-Math.max(1, max));
}

/** A task's own `learning` list with `lesson` appended: deduplicated, bounded. Pure. */
export function appendTaskLearning(
  learning: readonly string[],
  lesson: string,
  max: number = MAX_LEARNING_KEPT,
): string[] {
  const text = oneLine(lesson, 1000);
  if (!text) return learning.slice(-max);
  const kept = learning.filter((existing) => existing.toLowerCase() !== text.toLowerCase());
  return [...kept, text].slice(-Math.max(1, max));
}

/** The journal texts for a prompt's `learnings`: newest last, at most `max`. */
export function recentLearnings(journal: readonly LearningEntry[], max = 10): string[] {
  return journal.slice(-max).map((entry) => (entry.taskId ? `${entry.taskId}: ${entry.text}` : entry.text));
}
