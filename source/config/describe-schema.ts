/**
 * Plain-words descriptions of zod schemas and values, so that a config error can say
 * "expected an integer ≥ 1, got "four"" instead of zod's generic "expected number".
 */
import { z } from 'zod';
import { editDistance } from '../tasks/suggest.js';

/** Strips default/optional wrappers that do not change what a value must look like. */
export function unwrapSchema(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (;;) {
    if (
      current instanceof z.ZodDefault ||
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable
    ) {
      current = current.unwrap() as z.ZodType;
    } else {
      return current;
    }
  }
}

/** The schema of the value at `path` inside `root`, or undefined when the path leaves the schema. */
export function schemaAt(root: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let current: z.ZodType | undefined = root;
  for (const key of path) {
    if (current === undefined) return undefined;
    const inner = unwrapSchema(current);
    if (inner instanceof z.ZodObject && typeof key === 'string') {
      current = (inner.shape as Record<string, z.ZodType | undefined>)[key];
    } else if (inner instanceof z.ZodArray && typeof key === 'number') {
      current = inner.element as z.ZodType;
    } else {
      return undefined;
    }
  }
  return current;
}

/** Lower and upper bounds of a number schema from its checks (zod keeps them as check defs). */
function numberBounds(schema: z.ZodNumber): string[] {
  const parts: string[] = [];
  for (const check of schema._zod.def.checks ?? []) {
    const def = check._zod.def as { check?: string; value?: unknown; inclusive?: boolean };
    if (typeof def.value !== 'number') continue;
    if (def.check === 'greater_than') parts.push(`${def.inclusive ? '≥' : '>'} ${def.value}`);
    if (def.check === 'less_than') parts.push(`${def.inclusive ? '≤' : '<'} ${def.value}`);
  }
  return parts;
}

/** "an integer ≥ 1", "a string", "one of "claude", "codex"", … for the schema a value must match. */
export function describeSchema(schema: z.ZodType): string {
  const inner = unwrapSchema(schema);
  if (inner instanceof z.ZodNumber) {
    const bounds = numberBounds(inner);
    const noun = inner.isInt ? 'an integer' : 'a number';
    return bounds.length > 0 ? `${noun} ${bounds.join(' and ')}` : noun;
  }
  if (inner instanceof z.ZodString) return 'a string';
  if (inner instanceof z.ZodBoolean) return 'true or false';
  if (inner instanceof z.ZodEnum) return `one of ${inner.options.map((o) => JSON.stringify(o)).join(', ')}`;
  if (inner instanceof z.ZodLiteral) return [...inner.values].map((v) => JSON.stringify(v)).join(' or ');
  if (inner instanceof z.ZodArray) return `an array of ${plural(describeSchema(inner.element as z.ZodType))}`;
  if (inner instanceof z.ZodObject) return 'a table';
  if (inner instanceof z.ZodUnion) {
    const options = (inner.options as readonly z.ZodType[]).map((o) => describeSchema(o));
    // Two enums in a union ("one of a, b" or """") read better merged into one list.
    if (options.every((o) => o.startsWith('one of ') || o.startsWith('"'))) {
      return `one of ${options.map((o) => o.replace(/^one of /, '')).join(', ')}`;
    }
    return options.join(' or ');
  }
  return 'a different value';
}

/** "a string" → "strings", for array descriptions. */
function plural(description: string): string {
  if (description === 'a string') return 'strings';
  if (description.startsWith('an integer')) return `integers${description.slice('an integer'.length)}`;
  if (description.startsWith('a number')) return `numbers${description.slice('a number'.length)}`;
  return description;
}

/** A value as a user wrote it: strings quoted, tables and arrays abbreviated. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value instanceof Date) return `the date ${value.toISOString()}`;
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : `an array of ${value.length}`;
  if (typeof value === 'object' && value !== null) return 'a table';
  return 'a value';
}

/** The value at `path` inside a parsed document, or undefined. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** `["run", "parallel"]` → `run.parallel`; `["x", 1]` → `x[1]`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** Edit distance, to suggest the key a user probably meant. */
export function closestKey(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const a = key.toLowerCase();
    const b = candidate.toLowerCase();
    // "runner" for "run" or "max_retry" for "max_retries": a shared stem is as good as a typo.
    const stem = Math.min(a.length, b.length) >= 3 && (a.startsWith(b) || b.startsWith(a));
    const d = stem ? 1 : editDistance(a, b);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  // Only suggest near misses; a far-off "did you mean" is noise.
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}
