/**
 * Masking secrets in logs and on the board (DESIGN.md §8). Known key formats keep their public
 * prefix so a reader can tell which kind of key leaked (`sk-ant-…****`); `NAME=value` assignments
 * whose name says PASSWORD, SECRET, TOKEN or API_KEY keep the name; private key blocks keep their
 * armor lines. Streams hold back the tail of a line that could still become a key, so a key split
 * across two chunks is still caught.
 */
import path from 'node:path';

/** What replaces the secret part of a match. */
export const MASK = '…****';

interface SecretPattern {
  readonly name: string;
  readonly regex: RegExp;
  /** The replacement for one match (regex groups available). */
  readonly replace: (match: string, ...groups: string[]) => string;
}

const keepPrefix = (prefix: string) => (): string => `${prefix}${MASK}`;

/**
 * Ordered: specific formats first, so `sk-ant-…` is not taken for an OpenAI `sk-…` key. A match
 * starts at a word boundary or right after an escaped `\n`, `\r` or `\t` (a key at the start of a
 * line inside a JSON string, as a terminal log of JSON lines holds it).
 */
const PATTERNS: readonly SecretPattern[] = [
  {
    name: 'anthropic',
    regex: /(?:\b|(?<=\\[nrt]))sk-ant-[A-Za-z0-9_-]{16,}/g,
    replace: keepPrefix('sk-ant-'),
  },
  {
    name: 'openai-project',
    regex: /(?:\b|(?<=\\[nrt]))sk-(proj|svcacct|admin)-[A-Za-z0-9_-]{16,}/g,
    replace: (_m, kind = '') => `sk-${kind}-${MASK}`,
  },
  { name: 'openai', regex: /(?:\b|(?<=\\[nrt]))sk-[A-Za-z0-9]{20,}/g, replace: keepPrefix('sk-') },
  {
    name: 'stripe',
    regex: /(?:\b|(?<=\\[nrt]))(sk|rk)_(live|test)_[A-Za-z0-9]{16,}/g,
    replace: (_m, a = '', b = '') => `${a}_${b}_${MASK}`,
  },
  {
    name: 'github-pat',
    regex: /(?:\b|(?<=\\[nrt]))github_pat_[A-Za-z0-9_]{22,}/g,
    replace: keepPrefix('github_pat_'),
  },
  {
    name: 'github',
    regex: /(?:\b|(?<=\\[nrt]))(gh[pousr])_[A-Za-z0-9]{30,}/g,
    replace: (_m, kind = '') => `${kind}_${MASK}`,
  },
  {
    name: 'aws-access-key',
    regex: /(?:\b|(?<=\\[nrt]))(AKIA|ASIA)[0-9A-Z]{16}\b/g,
    replace: (_m, kind = '') => `${kind}${MASK}`,
  },
  { name: 'google', regex: /(?:\b|(?<=\\[nrt]))AIza[0-9A-Za-z_-]{35}/g, replace: keepPrefix('AIza') },
  {
    name: 'slack',
    regex: /(?:\b|(?<=\\[nrt]))(xox[abposr])-[A-Za-z0-9-]{10,}/g,
    replace: (_m, kind = '') => `${kind}-${MASK}`,
  },
  {
    name: 'bearer',
    regex: /(?:\b|(?<=\\[nrt]))(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{16,}/g,
    replace: (_m, kind = '') => `${kind} ${MASK}`,
  },
  {
    // AWS credentials files and configs: `aws_secret_access_key = …` (any case, ini/yaml/json).
    name: 'aws-secret',
    regex:
      /(?:\b|(?<=\\[nrt]))(aws_secret_access_key|aws_session_token|secret_access_key)(["']?\s*[=:]\s*)(["']?)([A-Za-z0-9/+=]{16,})\3/gi,
    replace: (_m, name = '', sep = '', quote = '') => `${name}${sep}${quote}****${quote}`,
  },
  {
    // Env-style names only (upper case), so `const token = getToken()` in code is left alone.
    name: 'assignment',
    regex:
      /(?:\b|(?<=\\[nrt]))([A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS?)[A-Z0-9_]*)(\s*[=:]\s*)(["']?)([^\s"'$\\]{3,})\3/g,
    replace: (match, name = '', sep = '', quote = '', value = '') =>
      value.includes(MASK) || value === '****' ? match : `${name}${sep}${quote}****${quote}`,
  },
];

const KEY_BEGIN = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----/;
const KEY_END = /-----END ([A-Z0-9 ]*)PRIVATE KEY-----/;
const KEY_BLOCK = /(-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----)[\s\S]*?(-----END \2PRIVATE KEY-----)/g;

/** Masks every known secret in `text` (which may span many lines). */
export function maskSecrets(text: string): string {
  let out = text.replace(
    KEY_BLOCK,
    (_m, begin: string, _kind: string, end: string) => `${begin}\n****\n${end}`,
  );
  for (const pattern of PATTERNS) {
    out = out.replace(pattern.regex, pattern.replace);
  }
  return out;
}

/**
 * Masks every string inside a JSON value (object keys stay). Strings are masked decoded, so a key
 * after an escaped newline (`"…\\nsk-ant-…"` in JSON text) is found; returns `value` itself when
 * nothing changed.
 */
export function maskJson<T>(value: T): T {
  if (typeof value === 'string') return maskSecrets(value) as T;
  if (Array.isArray(value)) {
    const items: readonly unknown[] = value;
    const masked = items.map((item) => maskJson(item));
    return (masked.some((item, index) => item !== items[index]) ? masked : value) as T;
  }
  if (value !== null && typeof value === 'object') {
    let changed = false;
    const masked: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      const next = maskJson(item);
      if (next !== item) changed = true;
      masked[key] = next;
    }
    return (changed ? masked : value) as T;
  }
  return value;
}

/**
 * The secret part of every key in `text`: what `maskSecrets` replaces, without the public prefix it
 * keeps (`api03-…` of `sk-ant-api03-…`, the value of `TOKEN=value`).
 */
export function secretParts(text: string): string[] {
  const parts: string[] = [];
  for (const pattern of PATTERNS)
    for (const match of text.matchAll(pattern.regex)) {
      const whole = match[0];
      const masked = pattern.replace(whole, ...match.slice(1).map((group) => group ?? ''));
      if (masked === whole) continue;
      const start = commonLength(whole, masked, (at) => at);
      const fromEnd = commonLength(
        whole.slice(start),
        masked.slice(start),
        (at, text) => text.length - 1 - at,
      );
      parts.push(whole.slice(start, whole.length - fromEnd));
    }
  return parts;
}

/** How many characters `a` and `b` share, compared at `index(0)`, `index(1)`, … of each. */
function commonLength(a: string, b: string, index: (at: number, text: string) => number): number {
  let at = 0;
  while (at < a.length && at < b.length && a[index(at, a)] === b[index(at, b)]) at += 1;
  return at;
}

/** The shortest piece of a known secret that `maskPieces` masks. */
const MIN_PIECE = 4;
/** A secret shorter than this is masked only whole: a piece of it could be an ordinary word. */
const PIECES_FROM = 16;

/**
 * Masks every piece of a known secret in `text` (DESIGN.md §8): each run of `MIN_PIECE` characters
 * or more that is part of one of `secrets` becomes as many `*`, so a key whose echo other output cut
 * in two is masked in both halves, and a terminal's layout is kept. A secret under 16 characters is
 * masked only whole.
 */
export function maskPieces(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    const min = secret.length >= PIECES_FROM ? MIN_PIECE : secret.length;
    if (min === 0 || out.length < min) continue;
    const grams = new Set<string>();
    for (let at = 0; at + min <= secret.length; at += 1) grams.add(secret.slice(at, at + min));
    let masked = '';
    let from = 0;
    for (let at = 0; at + min <= out.length;) {
      if (!grams.has(out.slice(at, at + min))) {
        at += 1;
        continue;
      }
      let end = at + min;
      while (end < out.length && secret.includes(out.slice(at, end + 1))) end += 1;
      masked += out.slice(from, at) + '*'.repeat(end - at);
      from = at = end;
    }
    out = from === 0 ? out : masked + out.slice(from);
  }
  return out;
}

/** Lines longer than this are masked as text, not parsed (a 40 MB line must not be parsed twice). */
const MAX_JSON_LINE = 4 * 1024 * 1024;

/**
 * One line of a `.jsonl` record, masked: a JSON line is parsed and its strings masked, and it is
 * written again only when a secret was found (so its bytes are kept otherwise); any other line is
 * masked as text.
 */
export function maskRecordLine(line: string): string {
  const trimmed = line.trimStart();
  if (line.length <= MAX_JSON_LINE && (trimmed.startsWith('{') || trimmed.startsWith('['))) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return maskSecrets(line);
    }
    const masked = maskJson(parsed);
    return masked === parsed ? line : JSON.stringify(masked);
  }
  return maskSecrets(line);
}

/** A stateful masker for chunked output (pty data, child stdout). */
export interface Masker {
  /** Feeds a chunk; returns the masked text that is safe to emit now. */
  readonly push: (chunk: string) => string;
  /** Returns whatever is still buffered, masked. Call once at the end. */
  readonly flush: () => string;
}

/** Options for chunked masking. */
export interface MaskerOptions {
  /**
   * How much of an unfinished line is held back: longer than the shortest text any pattern
   * matches, so a key still arriving is never emitted in part. A match that reaches into the held
   * tail, or ends where the text ends (it may still grow), is held whole.
   */
  readonly hold?: number;
  /** Masks text that is safe to emit (default `maskSecrets`); lines are passed whole where they can be. */
  readonly mask?: (text: string) => string;
}

/** Held back of an unfinished line by default: every pattern's shortest match is well below it. */
const DEFAULT_HOLD = 256;
/** What a match's start may look behind at (`\\n` before a key in a JSON string, or a word boundary). */
const LOOK_BEHIND = 2;

/**
 * Where an unfinished line can be cut: `limit` or earlier, never inside a match (one that reaches the
 * end of the text may still grow: it is held whole). `context` is text already emitted before `line`.
 */
function safeCut(context: string, line: string, limit: number): number {
  let cut = limit;
  const text = context + line;
  const spans: [number, number][] = [];
  for (const pattern of PATTERNS)
    for (const match of text.matchAll(pattern.regex))
      spans.push([match.index - context.length, match.index - context.length + match[0].length]);
  // A cut moved back to a match's start may land inside an earlier one: repeat until none does.
  for (let moved = true; moved;) {
    moved = false;
    for (const [start, end] of spans)
      if (start < cut && end > cut) {
        cut = Math.max(0, start);
        moved = true;
      }
  }
  return cut;
}

/**
 * Creates a streaming masker: complete lines are masked whole; of an unfinished line everything is
 * emitted except the tail that could still become a secret (the last `hold` characters, and any
 * match running into them or to the end), so a key split across chunks at any point is masked
 * whole while a progress line without a newline still shows. Lines inside a private key block are
 * replaced as they arrive.
 */
export function createMasker(options: MaskerOptions = {}): Masker {
  const hold = options.hold ?? DEFAULT_HOLD;
  const mask = options.mask ?? maskSecrets;
  let pending = '';
  /** The last characters emitted: what a pattern at the start of `pending` looks behind at. */
  let emitted = '';
  let inKeyBlock = false;

  /** Masks `text`, which follows `emitted` directly, with the emitted text as look-behind. */
  const maskAfter = (text: string): string => {
    if (emitted === '') return mask(text);
    const joined = mask(emitted + text);
    return joined.startsWith(emitted) ? joined.slice(emitted.length) : mask(text);
  };
  const maskLine = (line: string, first: boolean): string => {
    if (inKeyBlock) {
      if (KEY_END.test(line)) {
        inKeyBlock = false;
        return line.slice(line.search(KEY_END));
      }
      return line === '' || line === '\r' ? line : '****';
    }
    const begin = line.search(KEY_BEGIN);
    if (begin !== -1 && !KEY_END.test(line.slice(begin))) {
      inKeyBlock = true;
      const before = line.slice(0, begin);
      return (first ? maskAfter(before) : mask(before)) + (KEY_BEGIN.exec(line)?.[0] ?? '');
    }
    return first ? maskAfter(line) : mask(line);
  };
  const out = (text: string, masked: string): string => {
    emitted = (emitted + text).slice(-LOOK_BEHIND);
    return masked;
  };

  return {
    push(chunk) {
      pending += chunk;
      let ready = '';
      const newline = pending.lastIndexOf('\n');
      if (newline !== -1) {
        const lines = pending.slice(0, newline + 1);
        pending = pending.slice(newline + 1);
        ready = out(
          lines,
          lines
            .split('\n')
            .map((line, index) => maskLine(line, index === 0))
            .join('\n'),
        );
      }
      // An unfinished line: in or at the start of a key block it waits for its newline.
      if (inKeyBlock || pending.includes('-----BEGIN') || pending.length <= hold) return ready;
      const cut = safeCut(emitted, pending, pending.length - hold);
      if (cut === 0) return ready;
      const part = pending.slice(0, cut);
      pending = pending.slice(cut);
      return ready + out(part, maskAfter(part));
    },
    flush() {
      const rest = pending;
      pending = '';
      return rest === '' ? '' : out(rest, maskLine(rest, true));
    },
  };
}

/** Env-file templates meant to be committed: they hold names, not values. */
const ENV_TEMPLATES = new Set(['.env.example', '.env.sample', '.env.template', '.env.dist', '.env.defaults']);

/**
 * True for files that hold secrets by convention and are never auto-committed: `.env`, `.env.*`
 * (`.env.local`, `.env.production`, …) and direnv's `.envrc` (it usually exports tokens). Templates
 * such as `.env.example` are not env files: they are meant to be committed.
 */
export function isEnvFile(file: string): boolean {
  const base = path.basename(file);
  if (ENV_TEMPLATES.has(base)) return false;
  return base === '.env' || base === '.envrc' || base.startsWith('.env.');
}
