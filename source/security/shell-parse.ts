/**
 * A small shell parser for the command policy: it splits a command line into pipelines of simple
 * commands, the way bash would run them, so that each simple command can be judged on its own.
 *
 * It is not a full shell grammar. It knows what decides *which programs run*: quoting, escapes,
 * `;` `&&` `||` `&` `|` and newlines, `( … )` subshells, `$( … )`, backticks and `<( … )` process
 * substitutions (parsed as nested commands), redirections (kept apart from arguments), heredoc bodies
 * (skipped, because their text is data, not commands) and comments. Expansions are not performed:
 * a word keeps its `$VAR` text so the rules can see that it is dynamic.
 */

/** A redirection such as `> out.txt` or `2>&1`. */
export interface Redirect {
  readonly op: string;
  readonly target: string;
}

/** One simple command: its words after quote removal, its redirections, and the commands nested in it. */
export interface SimpleCommand {
  readonly words: readonly string[];
  readonly redirects: readonly Redirect[];
  /** Pipelines from `$( … )`, backticks and `<( … )` inside this command's words. */
  readonly substitutions: readonly Pipeline[];
}

/** Simple commands joined by `|`: stdout of one feeds the next. */
export interface Pipeline {
  readonly commands: readonly SimpleCommand[];
}

interface Builder {
  words: string[];
  redirects: Redirect[];
  substitutions: Pipeline[];
  word: string;
  /** True once the current word has content, even an empty quoted string (`''`). */
  inWord: boolean;
  /** Set after a redirection operator: the next word is its target. */
  pendingRedirect: string | undefined;
}

/** Bounds recursion on hostile input such as thousands of nested `$(`. */
const MAX_DEPTH = 32;

class Parser {
  private pos = 0;
  private readonly heredocs: { delimiter: string; stripTabs: boolean }[] = [];

  constructor(
    private readonly src: string,
    private readonly depth: number,
  ) {}

  /** Parses until the end of input or an unmatched `close` character; returns the pipelines found. */
  parse(close?: string): Pipeline[] {
    const pipelines: Pipeline[] = [];
    let commands: SimpleCommand[] = [];
    let b = newBuilder();
    const endCommand = (): void => {
      this.endWord(b);
      if (b.words.length > 0 || b.redirects.length > 0 || b.substitutions.length > 0) {
        commands.push({ words: b.words, redirects: b.redirects, substitutions: b.substitutions });
      }
      b = newBuilder();
    };
    const endPipeline = (): void => {
      endCommand();
      if (commands.length > 0) pipelines.push({ commands });
      commands = [];
    };

    while (this.pos < this.src.length) {
      const ch = this.src[this.pos] ?? '';
      const next = this.src[this.pos + 1] ?? '';
      if (close !== undefined && ch === close) {
        this.pos++;
        break;
      }
      if (ch === ' ' || ch === '\t') {
        this.endWord(b);
        this.pos++;
      } else if (ch === '\n') {
        endPipeline();
        this.pos++;
        this.skipHeredocBodies();
      } else if (ch === ';' || (ch === '&' && next !== '>')) {
        // `;;` (case) and `&&` are separators just like `;` and `&`.
        endPipeline();
        this.pos += next === ch ? 2 : 1;
      } else if (ch === '|') {
        if (next === '|') {
          endPipeline();
          this.pos += 2;
        } else {
          endCommand();
          this.pos += next === '&' ? 2 : 1;
        }
      } else if (ch === '#' && !b.inWord) {
        while (this.pos < this.src.length && this.src[this.pos] !== '\n') this.pos++;
      } else if (ch === '(' && !b.inWord) {
        // A subshell or group: its commands run like any others.
        endCommand();
        this.pos++;
        pipelines.push(...this.nested(')'));
      } else if (ch === ')') {
        // Unbalanced, or the end of a `case` pattern: treat as a separator.
        endPipeline();
        this.pos++;
      } else if ((ch === '<' || ch === '>') && next === '(') {
        this.pos += 2;
        b.substitutions.push(...this.nested(')'));
        b.word += `${ch}(…)`;
        b.inWord = true;
      } else if (ch === '<' || ch === '>' || (ch === '&' && next === '>')) {
        this.readRedirect(b);
      } else {
        this.readWordPart(b);
      }
    }
    endPipeline();
    return pipelines;
  }

  private nested(close: string): Pipeline[] {
    if (this.depth >= MAX_DEPTH) {
      this.pos = this.src.length;
      return [];
    }
    const inner = new Parser(this.src, this.depth + 1);
    inner.pos = this.pos;
    const result = inner.parse(close);
    this.pos = inner.pos;
    return result;
  }

  private endWord(b: Builder): void {
    if (!b.inWord) return;
    if (b.pendingRedirect !== undefined) {
      b.redirects.push({ op: b.pendingRedirect, target: b.word });
      if (b.pendingRedirect.startsWith('<<') && b.pendingRedirect !== '<<<') {
        this.heredocs.push({ delimiter: b.word, stripTabs: b.pendingRedirect === '<<-' });
      }
      b.pendingRedirect = undefined;
    } else {
      b.words.push(b.word);
    }
    b.word = '';
    b.inWord = false;
  }

  private readRedirect(b: Builder): void {
    // A word of digits right before `>` is a file descriptor (`2>`), not an argument.
    const fd = b.inWord && /^\d+$/.test(b.word) ? b.word : '';
    if (fd) {
      b.word = '';
      b.inWord = false;
    } else {
      this.endWord(b);
    }
    const match = /^(&>>|&>|<<<|<<-|<<|<>|>>|>&|<&|>\||>|<)/.exec(this.src.slice(this.pos, this.pos + 3));
    const op = match?.[1] ?? this.src[this.pos] ?? '>';
    this.pos += op.length;
    b.pendingRedirect = fd + op;
    while (this.src[this.pos] === ' ' || this.src[this.pos] === '\t') this.pos++;
  }

  /** Reads one piece of a word: a quoted string, an escape, a substitution or a plain character. */
  private readWordPart(b: Builder): void {
    const ch = this.src[this.pos] ?? '';
    b.inWord = true;
    if (ch === "'") {
      const end = this.src.indexOf("'", this.pos + 1);
      const stop = end === -1 ? this.src.length : end;
      b.word += this.src.slice(this.pos + 1, stop);
      this.pos = stop + 1;
    } else if (ch === '"') {
      this.pos++;
      this.readDoubleQuoted(b);
    } else if (ch === '\\') {
      const escaped = this.src[this.pos + 1];
      // A backslash-newline joins lines; any other escaped character is taken literally.
      if (escaped !== undefined && escaped !== '\n') b.word += escaped;
      this.pos += 2;
    } else if (ch === '$' && this.src[this.pos + 1] === "'") {
      const end = this.src.indexOf("'", this.pos + 2);
      const stop = end === -1 ? this.src.length : end;
      b.word += unescapeAnsiC(this.src.slice(this.pos + 2, stop));
      this.pos = stop + 1;
    } else if (ch === '$' || ch === '`') {
      this.readDollarOrBacktick(b);
    } else {
      b.word += ch;
      this.pos++;
    }
  }

  private readDoubleQuoted(b: Builder): void {
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos] ?? '';
      if (ch === '"') {
        this.pos++;
        return;
      }
      if (ch === '\\') {
        const escaped = this.src[this.pos + 1] ?? '';
        b.word += '"\\$`\n'.includes(escaped) ? (escaped === '\n' ? '' : escaped) : `\\${escaped}`;
        this.pos += 2;
      } else if (ch === '$' || ch === '`') {
        this.readDollarOrBacktick(b);
      } else {
        b.word += ch;
        this.pos++;
      }
    }
  }

  private readDollarOrBacktick(b: Builder): void {
    const start = this.pos;
    if (this.src.startsWith('$((', this.pos)) {
      // Arithmetic expansion: no commands run inside.
      const end = this.src.indexOf('))', this.pos);
      this.pos = end === -1 ? this.src.length : end + 2;
    } else if (this.src.startsWith('$(', this.pos)) {
      this.pos += 2;
      b.substitutions.push(...this.nested(')'));
    } else if (this.src[this.pos] === '`') {
      let end = this.pos + 1;
      while (end < this.src.length && this.src[end] !== '`') end += this.src[end] === '\\' ? 2 : 1;
      const inner = this.src.slice(this.pos + 1, end).replace(/\\([`\\$])/g, '$1');
      if (this.depth < MAX_DEPTH) b.substitutions.push(...new Parser(inner, this.depth + 1).parse());
      this.pos = end + 1;
    } else if (this.src.startsWith('${', this.pos)) {
      const end = this.src.indexOf('}', this.pos);
      this.pos = end === -1 ? this.src.length : end + 1;
    } else {
      const name = /^\$([A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])?/.exec(this.src.slice(this.pos));
      this.pos += name?.[0].length ?? 1;
    }
    // The word keeps the source text so rules can tell it is dynamic (and see `$HOME`).
    b.word += this.src.slice(start, this.pos);
  }

  /** After a newline, skips the bodies of heredocs opened on the line just ended. */
  private skipHeredocBodies(): void {
    while (this.heredocs.length > 0) {
      const { delimiter, stripTabs } = this.heredocs.shift() ?? { delimiter: '', stripTabs: false };
      while (this.pos < this.src.length) {
        const end = this.src.indexOf('\n', this.pos);
        const stop = end === -1 ? this.src.length : end;
        const line = this.src.slice(this.pos, stop);
        this.pos = stop + 1;
        if ((stripTabs ? line.replace(/^\t+/, '') : line) === delimiter) break;
      }
    }
  }
}

function newBuilder(): Builder {
  return { words: [], redirects: [], substitutions: [], word: '', inWord: false, pendingRedirect: undefined };
}

function unescapeAnsiC(text: string): string {
  const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };
  return text.replace(/\\(.)/g, (_, c: string) => map[c] ?? c);
}

/** Parses a shell command line into pipelines of simple commands (see the module comment). */
export function parseShell(command: string): Pipeline[] {
  return new Parser(command, 0).parse();
}
