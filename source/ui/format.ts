/**
 * Small pure formatters for the board: durations, money, token counts, fixed-width cells.
 * Every line the board draws is cut to its pane's width here, so Ink never has to wrap.
 */

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

/** Cuts `text` to `width` columns with an ellipsis (the board's glyphs are all one column wide). */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width === 1) return '…';
  return `${chars.slice(0, width - 1).join('')}…`;
}

/** Pads or cuts `text` to exactly `width` columns. */
export function cell(text: string, width: number): string {
  const cut = truncate(text, width);
  return cut + ' '.repeat(Math.max(0, width - [...cut].length));
}

/** Splits text into lines no wider than `width`, breaking at spaces when it can. */
export function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  const max = Math.max(1, width);
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      const candidate = line.length === 0 ? word : `${line} ${word}`;
      if ([...candidate].length <= max) {
        line = candidate;
        continue;
      }
      if (line.length > 0) out.push(line);
      let rest = word;
      while ([...rest].length > max) {
        out.push([...rest].slice(0, max).join(''));
        rest = [...rest].slice(max).join('');
      }
      line = rest;
    }
    out.push(line);
  }
  return out;
}

/**
 * Strips terminal control sequences (CSI, OSC, two-byte escapes) and control characters from one
 * line of agent output; tabs become two spaces. A scanner rather than a regex keeps the control
 * characters out of source (and out of the lint's way).
 */
export function plainLine(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 0x1b) {
      const next = text[i + 1];
      if (next === '[') {
        // CSI: parameters and intermediates, then one final byte in @..~.
        i += 2;
        while (i < text.length && !(text.charCodeAt(i) >= 0x40 && text.charCodeAt(i) <= 0x7e)) i += 1;
      } else if (next === ']') {
        // OSC: up to BEL or ST (ESC \).
        i += 2;
        while (
          i < text.length &&
          text.charCodeAt(i) !== 0x07 &&
          !(text.charCodeAt(i) === 0x1b && text[i + 1] === '\\')
        )
          i += 1;
        if (text.charCodeAt(i) === 0x1b) i += 1;
      } else i += 1;
      continue;
    }
    if (code === 0x09) out += '  ';
    else if (code >= 0x20 && code !== 0x7f) out += text[i] ?? '';
  }
  return out;
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
