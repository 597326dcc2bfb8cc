/**
 * The numeric completion contract (DESIGN §5), pure: reading a metric from a command's stdout and
 * comparing two metric values. No I/O here, so every rule is testable on strings.
 */
import type { Completion } from '../tasks/model.js';

/** The numeric variant of the completion contract. */
export type NumericCompletion = Extract<Completion, { kind: 'numeric' }>;

/** A metric read from output, or why it could not be. */
export type MetricReading =
  { readonly ok: true; readonly value: number } | { readonly ok: false; readonly reason: string };

/** How a new metric value compares with the previous one. */
export type MetricComparison = 'improved' | 'equal' | 'regressed';

/** A short, one-line rendering of a found value for error messages. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value) ?? typeof value;
  const kind =
    value === null
      ? 'null'
      : Array.isArray(value)
        ? 'an array'
        : typeof value === 'object'
          ? 'an object'
          : `a ${typeof value}`;
  return `${kind} (${json.length > 60 ? `${json.slice(0, 57)}...` : json})`;
}

/** Objects and arrays only: a line like `3` or `"ok"` is not the report we are looking for. */
function parseContainer(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Finds the JSON report in a command's stdout. Tools print logs before their report, so, in order:
 * the whole stdout; else the last line that is a JSON object or array (NDJSON, a one-line report
 * after logs); else the longest tail starting at a line that opens with `{` or `[` (a pretty-printed
 * report after logs). Undefined when none parses.
 */
export function findJson(stdout: string): unknown {
  const whole = parseContainer(stdout);
  if (whole !== undefined) return whole;
  const lines = stdout.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const parsed = parseContainer(lines[i] ?? '');
    if (parsed !== undefined) return parsed;
  }
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trimStart();
    if (line.startsWith('{') || line.startsWith('[')) {
      const parsed = parseContainer(lines.slice(i).join('\n'));
      if (parsed !== undefined) return parsed;
    }
  }
  return undefined;
}

/** Splits `metrics.scores[0].value` (a leading `$.` is tolerated) into keys and indexes. */
export function parseJsonPath(jsonPath: string): Array<string | number> {
  const segments: Array<string | number> = [];
  const source = jsonPath.trim().replace(/^\$\.?/, '');
  for (const match of source.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[1] !== undefined) segments.push(match[1]);
  }
  return segments;
}

/**
 * Reads the number at `jsonPath` (dotted keys with `[index]`) from the JSON report in `stdout`
 * (see {@link findJson}). A numeric string such as `"0.93"` counts; NaN, Infinity, booleans and
 * null do not. On failure the reason names the path and what was found instead.
 */
export function extractMetric(stdout: string, jsonPath: string): MetricReading {
  const root = findJson(stdout);
  if (root === undefined) {
    const tail = stdout.trim().split(/\r?\n/).slice(-1)[0] ?? '';
    return {
      ok: false,
      reason: `no JSON object in the last command's stdout to read ${jsonPath} from${
        tail ? ` (last line: ${JSON.stringify(tail.slice(0, 80))})` : ' (stdout was empty)'
      }`,
    };
  }
  let value: unknown = root;
  let walked = '';
  for (const segment of parseJsonPath(jsonPath)) {
    if (typeof segment === 'number') {
      if (!Array.isArray(value) || segment >= value.length) {
        return {
          ok: false,
          reason: `${jsonPath}: ${walked || 'the report'} has no [${segment}]; found ${describe(value)}`,
        };
      }
      value = value[segment] as unknown;
      walked += `[${segment}]`;
    } else {
      if (value === null || typeof value !== 'object' || Array.isArray(value) || !(segment in value)) {
        const keys =
          value !== null && typeof value === 'object' && !Array.isArray(value)
            ? ` (keys: ${Object.keys(value).slice(0, 10).join(', ') || 'none'})`
            : ` (found ${describe(value)})`;
        return { ok: false, reason: `${jsonPath}: no key "${segment}" in ${walked || 'the report'}${keys}` };
      }
      value = (value as Record<string, unknown>)[segment];
      walked += walked ? `.${segment}` : segment;
    }
  }
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) {
    return { ok: false, reason: `${jsonPath} is ${describe(value)}, not a finite number` };
  }
  return { ok: true, value: number };
}

/**
 * Compares `next` with `previous` under the contract's direction. A change smaller than
 * `minImprovement` in the good direction counts as `equal` (not worth keeping on its own); with
 * no previous value anything is an improvement. Differences within float noise are `equal`.
 */
export function compareMetric(
  previous: number | undefined,
  next: number,
  completion: NumericCompletion,
): MetricComparison {
  if (previous === undefined) return 'improved';
  const gain = completion.direction === 'maximize' ? next - previous : previous - next;
  const noise = 1e-12 * Math.max(1, Math.abs(previous), Math.abs(next));
  if (Math.abs(gain) <= noise) return 'equal';
  if (gain < 0) return 'regressed';
  return gain + noise >= completion.minImprovement ? 'improved' : 'equal';
}

/** Whether `value` reaches the contract's `target` (false when there is none). */
export function targetReached(value: number, completion: NumericCompletion): boolean {
  if (completion.target === undefined) return false;
  return completion.direction === 'maximize' ? value >= completion.target : value <= completion.target;
}
