/**
 * Small printing helpers shared by commands.
 */

/** Prints a value as pretty JSON on stdout (what `--json` gives scripts). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints a line on stdout. */
export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Parses a comma-separated `--ids a,b` option into ids (undefined when absent). */
export function parseIds(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id.length > 0);
}

/** Collects a repeatable option into an array (commander's reducer). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
