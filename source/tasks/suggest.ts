/**
 * "Did you mean …?" for task ids: a typo in `task show api2` or in a plan's `depends_on` should
 * point at the id the user meant instead of leaving them to scan `task list`.
 */

/** Edit distance (insertions, deletions, substitutions) between two strings. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate closest to `wanted`, or undefined when none is close enough to be a likely typo.
 * Case and separators are ignored first (`API_2` → `api-2`), then a small edit distance is allowed
 * (a third of the length, at least 2), so short unrelated ids are not suggested.
 */
export function closestMatch(wanted: string, candidates: Iterable<string>): string | undefined {
  const squash = (text: string): string => text.toLowerCase().replace(/[-_.\s]/g, '');
  const target = squash(wanted);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === wanted) continue;
    const distance = editDistance(target, squash(candidate));
    if (distance < bestDistance || (distance === bestDistance && best !== undefined && candidate < best)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(2, Math.floor(target.length / 3));
  return best !== undefined && bestDistance <= allowed ? best : undefined;
}

/** ` (did you mean "x"?)` when a close match exists, else an empty string; for message tails. */
export function didYouMean(wanted: string, candidates: Iterable<string>): string {
  const match = closestMatch(wanted, candidates);
  return match === undefined ? '' : ` (did you mean "${match}"?)`;
}
