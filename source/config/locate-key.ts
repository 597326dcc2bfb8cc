/**
 * Finds the line where a key is written in a TOML document. smol-toml reports positions only for
 * syntax errors, so schema errors use this best-effort scan to point at `file:line` as well.
 */

/** Splits a dotted TOML key (`a."b.c".d`) into its parts, unquoting quoted parts. */
function splitDottedKey(text: string): string[] {
  const parts: string[] = [];
  const pattern = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(?:\.|$)/gy;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(text)) !== null && match[0] !== '') {
    parts.push(match[1] ?? match[2] ?? match[3] ?? '');
    if (pattern.lastIndex >= text.length) break;
  }
  return parts;
}

const samePath = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((part, i) => part === b[i]);

/**
 * The 1-based line of the key or table header at `path` (numeric parts, i.e. array indexes, are
 * ignored), or undefined when it is not written in the document (e.g. a default).
 */
export function locateKey(text: string, path: readonly PropertyKey[]): number | undefined {
  const target = path.filter((p): p is string => typeof p === 'string');
  if (target.length === 0) return undefined;
  let table: string[] = [];
  let inMultiline: string | undefined;
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (inMultiline !== undefined) {
      if (line.includes(inMultiline)) inMultiline = undefined;
      continue;
    }
    const header = /^\s*\[\[?([^\]]+)\]\]?\s*(?:#.*)?$/.exec(line);
    if (header?.[1] !== undefined) {
      table = splitDottedKey(header[1]);
      if (samePath(table, target)) return index + 1;
      continue;
    }
    const assignment = /^\s*((?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.\s-])+?)\s*=(.*)$/.exec(line);
    if (assignment?.[1] === undefined) continue;
    const full = [...table, ...splitDottedKey(assignment[1])];
    // A key path that is a prefix of the target covers inline tables (`run = { parallel = 0 }`).
    if (
      samePath(full, target) ||
      (full.length < target.length && samePath(full, target.slice(0, full.length)))
    ) {
      return index + 1;
    }
    const rest = assignment[2] ?? '';
    for (const quote of ['"""', "'''"]) {
      const count = rest.split(quote).length - 1;
      if (count % 2 === 1) inMultiline = quote;
    }
  }
  return undefined;
}
