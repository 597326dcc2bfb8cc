/**
 * Small text helpers shared by every room.
 */

/** Collapses whitespace so a value fits on one markdown or log line, cut to `maxChars` with an ellipsis. */
export function oneLine(text: string, maxChars = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > maxChars ? `${flat.slice(0, maxChars - 1)}…` : flat;
}
