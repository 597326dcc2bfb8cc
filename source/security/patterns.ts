/**
 * Command patterns as users write them in `nightshift.toml`: a command prefix (`docker rm`) or a
 * glob (`kubectl delete *`), matched word by word, so `docker rm` matches `docker rm -f web` but not
 * `docker rmi`. A word `*` matches any number of words; inside a word `*` and `?` are wildcards.
 * A pattern with ` | ` (`curl * | sh`) matches a pipeline whose stages match, in order.
 */

/** A compiled pattern: one word-matcher list per pipeline stage. */
export interface CommandPattern {
  readonly source: string;
  readonly stages: readonly (readonly WordMatcher[])[];
}

type WordMatcher =
  { readonly kind: 'any' } | { readonly kind: 'word'; readonly test: (word: string) => boolean };

function compileWord(token: string): WordMatcher {
  if (token === '*') return { kind: 'any' };
  if (!/[*?]/.test(token)) return { kind: 'word', test: (word) => word === token };
  const regex = new RegExp(
    `^${token
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    's',
  );
  return { kind: 'word', test: (word) => regex.test(word) };
}

/** Compiles a pattern string; blank patterns compile to none. */
export function compilePattern(source: string): CommandPattern | undefined {
  const stages = source
    .split(/\s\|\s/)
    .map((stage) => stage.trim().split(/\s+/).filter(Boolean).map(compileWord))
    .filter((stage) => stage.length > 0);
  return stages.length === 0 ? undefined : { source: source.trim(), stages };
}

function matchFrom(
  matchers: readonly WordMatcher[],
  words: readonly string[],
  m: number,
  w: number,
): boolean {
  // Prefix semantics: once the pattern is used up, any remaining words are fine.
  if (m === matchers.length) return true;
  const matcher = matchers[m];
  if (matcher === undefined) return true;
  if (matcher.kind === 'any') {
    for (let next = w; next <= words.length; next++) if (matchFrom(matchers, words, m + 1, next)) return true;
    return false;
  }
  const word = words[w];
  return word !== undefined && matcher.test(word) && matchFrom(matchers, words, m + 1, w + 1);
}

/** True when the words of one simple command start with the (single-stage) pattern. */
export function matchesWords(matchers: readonly WordMatcher[], words: readonly string[]): boolean {
  return matchFrom(matchers, words, 0, 0);
}

/**
 * True when a pipeline matches: every stage of the pattern matches some stage of the pipeline, in
 * order. Each pipeline stage is given as the views (outermost first) of its simple command.
 */
export function matchesPipeline(
  pattern: CommandPattern,
  stages: readonly (readonly (readonly string[])[])[],
): boolean {
  let s = 0;
  for (const matchers of pattern.stages) {
    while (s < stages.length && !(stages[s] ?? []).some((words) => matchesWords(matchers, words))) s++;
    if (s >= stages.length) return false;
    s++;
  }
  return true;
}
