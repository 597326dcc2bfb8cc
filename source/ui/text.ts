/**
 * Text as the terminal shows it: every string the board draws is sanitised (no control
 * characters, escapes, tabs or zero-width joiners that the terminal and Ink would measure
 * differently) and measured in display columns (CJK and emoji take two), so a row is exactly as
 * wide as the board thinks and the frame never drifts.
 */
import stringWidth from 'string-width';

/** Columns a tab becomes in a single-line field. */
const TAB = '  ';

/**
 * Code points a terminal and Ink disagree about: zero-width joiners and other format characters,
 * variation selectors (✔️ is one column in tmux, two for Ink), skin-tone modifiers. Dropping them
 * turns an emoji sequence into its base glyphs, each measured alike by both.
 */
const AMBIGUOUS = /\p{Cf}|[\u{FE00}-\u{FE0F}]|[\u{1F3FB}-\u{1F3FF}]/gu;

/**
 * One line of display text: terminal control sequences (CSI, OSC, two-byte escapes) and C0/C1
 * control characters removed, tabs as two spaces, line breaks as one space. Idempotent.
 */
export function displayText(text: string): string {
  // Fast path: printable ASCII needs nothing.
  if (/^[\x20-\x7e]*$/.test(text)) return text;
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
    if (code === 0x09) out += TAB;
    else if (code === 0x0a) out += ' ';
    else if (code >= 0x20 && code !== 0x7f && !(code >= 0x80 && code <= 0x9f)) out += text[i] ?? '';
  }
  return out.replace(AMBIGUOUS, '');
}

/**
 * Widths measured so far: the board draws the same rows frame after frame (rules, marks, spinners,
 * CJK titles), and string-width was the board's top function in a CPU profile. Cleared when full.
 */
const widths = new Map<string, number>();
const WIDTHS_KEPT = 4096;

/** Display columns of already sanitised text. */
export function textWidth(text: string): number {
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  let width = widths.get(text);
  if (width === undefined) {
    width = stringWidth(text);
    if (widths.size >= WIDTHS_KEPT) widths.clear();
    widths.set(text, width);
  }
  return width;
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The grapheme clusters of `text` with their widths, lazily (a caller may stop early). */
function* graphemes(text: string): Generator<{ text: string; width: number }> {
  for (const { segment } of segmenter.segment(text)) yield { text: segment, width: textWidth(segment) };
}

/** The first grapheme cluster of `text` ('' when empty). */
function firstGrapheme(text: string): string {
  for (const glyph of graphemes(text)) return glyph.text;
  return '';
}

/** The longest start of `text` at most `width` columns wide (never splits a wide glyph). */
export function sliceColumns(text: string, width: number): string {
  if (width <= 0) return '';
  if (/^[\x20-\x7e]*$/.test(text)) return text.slice(0, width);
  if (textWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const glyph of graphemes(text)) {
    if (used + glyph.width > width) break;
    out += glyph.text;
    used += glyph.width;
  }
  return out;
}

/** `text` without its first `columns` columns (a wide glyph cut in half is dropped). */
export function dropColumns(text: string, columns: number): string {
  if (columns <= 0) return text;
  if (/^[\x20-\x7e]*$/.test(text)) return text.slice(columns);
  let used = 0;
  let index = 0;
  for (const glyph of graphemes(text)) {
    if (used >= columns) break;
    used += glyph.width;
    index += glyph.text.length;
  }
  return text.slice(index);
}

/**
 * One line of display text as lines of at most `width` columns, broken at spaces so that no word is
 * cut; only a word wider than `width` is split, by columns (a wide glyph never in half). The spaces
 * at a break are dropped; the line's own indentation is kept.
 */
export function wrapColumns(text: string, width: number): string[] {
  const max = Math.max(1, width);
  if (textWidth(text) <= max) return [text];
  const out: string[] = [];
  let line = '';
  let used = 0;
  // Runs of spaces and runs of anything else, in order.
  for (const token of text.match(/ +|[^ ]+/g) ?? []) {
    const size = textWidth(token);
    if (token.startsWith(' ')) {
      // Spaces at the start of a continuation line are the break itself: dropped.
      if (used > 0 || out.length === 0) {
        line += token;
        used += size;
      }
      continue;
    }
    if (used + size <= max) {
      line += token;
      used += size;
      continue;
    }
    if (line.trim().length > 0) out.push(line.trimEnd());
    line = '';
    used = 0;
    let rest = token;
    while (textWidth(rest) > max) {
      // A glyph wider than the whole line still goes on a line of its own.
      const head = sliceColumns(rest, max) || firstGrapheme(rest);
      out.push(head);
      rest = rest.slice(head.length);
    }
    line = rest;
    used = textWidth(rest);
  }
  if (line.trim().length > 0 || out.length === 0) out.push(line.trimEnd());
  return out;
}
