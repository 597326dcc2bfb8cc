/**
 * Small text helpers shared by every room.
 */

/** Collapses whitespace so a value fits on one markdown or log line, cut to `maxChars` with an ellipsis. */
export function oneLine(text: string, maxChars = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > maxChars ? `${flat.slice(0, maxChars - 1)}…` : flat;
}

/** One argv word quoted for a POSIX shell. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** An argv as one POSIX shell command line. */
export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** Agent CLIs that report no cost (their tokens are counted; the price is the provider's). */
const NO_COST_BACKENDS = new Set(['codex', 'gemini']);

/**
 * A run's cost as shown to people: `$0.0123`, or `cost n/a` where the backend's CLI reports none
 * (codex, gemini), rather than a `$0.0000` that reads as free.
 */
export function costText(backend: string, costUsd: number): string {
  if (costUsd === 0 && NO_COST_BACKENDS.has(backend)) return `cost n/a (${backend} reports none)`;
  return `$${costUsd.toFixed(4)}`;
}

/** Bytes as people read them: `512 B`, `3.4 KB`, `1.2 MB`, `2.0 GB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
