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
