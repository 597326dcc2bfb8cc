/**
 * Small pure formatters for the board: durations, money, token counts, fixed-width cells.
 * Every line the board draws is cut to its pane's width here, so Ink never has to wrap.
 */
import { displayText, sliceColumns, textWidth } from './text.js';

/** `42s`, `3m05s`, `2h14m`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** `$0.00`, `$1.23`, `$0.004` for sub-cent amounts so a cheap run does not read as free. */
export function formatCost(usd: number): string {
  if (usd > 0 && usd < 0.01) return `$${usd.toFixed(3)}`;
  return `$${usd.toFixed(2)}`;
}

/** `950`, `12.3k`, `4.1M`. */
export function formatTokens(count: number): string {
  if (count < 1000) return String(Math.round(count));
  if (count < 1_000_000) return `${(count / 1000).toFixed(count < 10_000 ? 1 : 0)}k`;
  return `${(count / 1_000_000).toFixed(1)}M`;
}

/**
 * Cuts `text` to `width` display columns with an ellipsis, at a word boundary: the words that fit
 * whole, then `…`; a first word wider than the column is cut inside with `…`. The text is sanitised
 * first (text.ts).
 */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  const clean = displayText(text);
  if (textWidth(clean) <= width) return clean;
  if (width === 1) return '…';
  const head = sliceColumns(clean, width - 1);
  // The cut falls inside a word unless the text goes on with a space: back off to the last one.
  const atBreak = clean[head.length] === ' ' || head.endsWith(' ');
  const space = atBreak ? -1 : head.lastIndexOf(' ');
  const kept = (space > 0 ? head.slice(0, space) : head).trimEnd();
  return `${kept.length > 0 ? kept : head}…`;
}

/** Pads or cuts `text` to exactly `width` display columns. */
export function cell(text: string, width: number): string {
  const cut = truncate(text, width);
  return cut + ' '.repeat(Math.max(0, width - textWidth(cut)));
}

/** Splits text into lines no wider than `width` display columns, breaking at spaces when it can. */
export function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  const max = Math.max(1, width);
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of displayText(paragraph).split(' ')) {
      const candidate = line.length === 0 ? word : `${line} ${word}`;
      if (textWidth(candidate) <= max) {
        line = candidate;
        continue;
      }
      if (line.length > 0) out.push(line);
      let rest = word;
      while (textWidth(rest) > max) {
        const head = sliceColumns(rest, max) || [...rest][0] || '';
        out.push(head);
        rest = rest.slice(head.length);
      }
      line = rest;
    }
    out.push(line);
  }
  return out;
}

/** One line of agent output as display text (escapes and control characters removed; text.ts). */
export function plainLine(text: string): string {
  return displayText(text);
}

/** Frames of the activity spinner; one column each. */
export const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] as const;

/** The spinner frame for a moment in time (advances every 100 ms, whenever the board redraws). */
export function spinnerFrame(now: number): string {
  return SPINNER[Math.floor(now / 100) % SPINNER.length] ?? '·';
}

/** `HH:MM:SS` of an ISO timestamp, in local time. */
export function clockTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '--:--:--';
  return date.toTimeString().slice(0, 8);
}
