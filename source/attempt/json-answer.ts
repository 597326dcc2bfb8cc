/**
 * Agents asked for a JSON answer (reflect, review) wrap it in prose or a code fence; these find it.
 */

/** Balanced `{…}` substrings of `text`, the last one first. */
export function* jsonObjectsFromEnd(text: string): Generator<string> {
  for (let end = text.lastIndexOf('}'); end >= 0; end = text.lastIndexOf('}', end - 1)) {
    let depth = 0;
    for (let start = end; start >= 0; start--) {
      const ch = text[start];
      if (ch === '}') depth++;
      else if (ch === '{' && --depth === 0) {
        yield text.slice(start, end + 1);
        break;
      }
    }
  }
}

/**
 * The last JSON object in `text` that `read` accepts (returns non-undefined for), or undefined.
 * Objects that do not parse, or are not plain objects, are skipped.
 */
export function lastJsonAnswer<T>(
  text: string,
  read: (record: Readonly<Record<string, unknown>>) => T | undefined,
): T | undefined {
  for (const candidate of jsonObjectsFromEnd(text)) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    const answer = read(value as Record<string, unknown>);
    if (answer !== undefined) return answer;
  }
  return undefined;
}
