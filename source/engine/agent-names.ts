/**
 * Friendly agent names for the board, so a person can say "ada is stuck on api-2".
 */

const NAMES = [
  'ada',
  'grace',
  'linus',
  'alan',
  'edsger',
  'barbara',
  'ken',
  'dennis',
  'margaret',
  'donald',
  'frances',
  'john',
  'radia',
  'guido',
  'bjarne',
  'anita',
  'tim',
  'hedy',
  'claude',
  'katherine',
] as const;

/** The name of the `index`-th agent of a run (names repeat with a number after 20). */
export function agentName(index: number): string {
  const base = NAMES[index % NAMES.length] ?? 'agent';
  const round = Math.floor(index / NAMES.length);
  return round === 0 ? base : `${base}${round + 1}`;
}
