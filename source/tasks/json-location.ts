/**
 * Where a JSON text goes wrong. Node 20's JSON.parse reports a position for some errors only
 * ("Unexpected token 'x', "…" is not valid JSON" has none), and a plan file error must name the line
 * and column, so this small scanner finds the offset of the first offending character itself.
 * It runs only after JSON.parse has failed, so it favours brevity over speed.
 */

/** Offset of the first character that makes `text` invalid JSON (text.length when it ends early). */
export function jsonErrorOffset(text: string): number {
  let at = 0;
  // Annotated so that TypeScript treats a call as the end of the path (control-flow narrowing).
  const fail: () => never = () => {
    throw new JsonStop(at);
  };
  const space = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text.charAt(at))) at++;
  };
  const expect = (char: string): void => {
    if (text.charAt(at) !== char) fail();
    at++;
  };
  const literal = (word: string): void => {
    for (const char of word) expect(char);
  };
  const string = (): void => {
    expect('"');
    for (;;) {
      if (at >= text.length) fail();
      const char = text.charAt(at);
      if (char === '"') break;
      if (char.charCodeAt(0) < 0x20) fail();
      if (char === '\\') {
        at++;
        const escape = text.charAt(at);
        if (escape === 'u') {
          for (let i = 1; i <= 4; i++) {
            if (!/[0-9a-fA-F]/.test(text.charAt(at + i))) {
              at += i;
              fail();
            }
          }
          at += 4;
        } else if (!'"\\/bfnrt'.includes(escape) || escape === '') fail();
      }
      at++;
    }
    at++;
  };
  const digits = (): void => {
    if (!/[0-9]/.test(text.charAt(at))) fail();
    while (/[0-9]/.test(text.charAt(at))) at++;
  };
  // Step by step rather than one regex, so that "0." fails where V8 says: after the dot.
  const number = (): void => {
    if (text.charAt(at) === '-') at++;
    if (text.charAt(at) === '0') at++;
    else digits();
    if (text.charAt(at) === '.') {
      at++;
      digits();
    }
    if (text.charAt(at) === 'e' || text.charAt(at) === 'E') {
      at++;
      if (text.charAt(at) === '+' || text.charAt(at) === '-') at++;
      digits();
    }
  };
  const value = (depth: number): void => {
    if (depth > 512) fail();
    space();
    const char = text.charAt(at);
    if (char === '{') {
      at++;
      space();
      if (text.charAt(at) === '}') {
        at++;
        return;
      }
      for (;;) {
        space();
        string();
        space();
        expect(':');
        value(depth + 1);
        space();
        if (text.charAt(at) === '}') {
          at++;
          return;
        }
        expect(',');
      }
    } else if (char === '[') {
      at++;
      space();
      if (text.charAt(at) === ']') {
        at++;
        return;
      }
      for (;;) {
        value(depth + 1);
        space();
        if (text.charAt(at) === ']') {
          at++;
          return;
        }
        expect(',');
      }
    } else if (char === '"') string();
    else if (char === 't') literal('true');
    else if (char === 'f') literal('false');
    else if (char === 'n') literal('null');
    else number();
  };
  try {
    value(0);
    space();
    return at < text.length ? at : text.length;
  } catch (error) {
    if (error instanceof JsonStop) return Math.min(error.offset, text.length);
    throw error;
  }
}

/** Unwinds the scanner at the first error. */
class JsonStop extends Error {
  constructor(readonly offset: number) {
    super('json error');
  }
}

/** 1-based line and column of an offset in a text. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}
