/**
 * The pieces of a key's secret part that a masked text must not hold: every run of four characters
 * (security/secrets.ts masks runs of that length and longer once output cut a typed key's echo).
 */

/** Every four-character run of `body`, in order, duplicates kept out. */
export function keyPieces(body: string): string[] {
  const pieces = new Set<string>();
  for (let at = 0; at + 4 <= body.length; at += 1) pieces.add(body.slice(at, at + 4));
  return [...pieces];
}

/** The pieces of `body` that `text` still holds in clear. */
export function piecesIn(text: string, body: string): string[] {
  return keyPieces(body).filter((piece) => text.includes(piece));
}
