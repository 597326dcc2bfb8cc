/**
 * Task ids derived from titles, shared by `task add`, the task tool server and the board's form.
 */

/** An id from a title: lower-case words joined by dashes, at most 40 characters (`task` when empty). */
export function slugifyTitle(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug || 'task';
}

/** `base`, or `base-2`, `base-3`… whichever is not taken yet. */
export function uniqueTaskId(base: string, taken: readonly string[]): string {
  const set = new Set(taken);
  if (!set.has(base)) return base;
  for (let n = 2; ; n++) if (!set.has(`${base}-${n}`)) return `${base}-${n}`;
}
