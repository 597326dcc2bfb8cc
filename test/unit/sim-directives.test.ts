import { describe, expect, it } from 'vitest';
import {
  WRONG_MARKER,
  parseSimDirectives,
  unsafePath,
  wrongContent,
} from '../../source/agents/sim-directives.js';

describe('parseSimDirectives', () => {
  it('reads a write block verbatim up to the >>> line, with a final newline', () => {
    const plan = parseSimDirectives(
      ['Make a greeting.', 'sim: write src/hello.txt <<<', 'hello', '  indented', '>>>', 'done'].join('\n'),
    );
    expect(plan.errors).toEqual([]);
    expect(plan.steps).toEqual([
      { kind: 'write', path: 'src/hello.txt', content: 'hello\n  indented\n', append: false },
    ]);
  });

  it('removes the directive line’s own indentation from an indented block (markdown lists)', () => {
    const plan = parseSimDirectives(
      ['- step:', '    sim: append notes.md <<<', '    first', '      second', '    >>>'].join('\n'),
    );
    expect(plan.steps).toEqual([
      { kind: 'write', path: 'notes.md', content: 'first\n  second\n', append: true },
    ]);
  });

  it('treats sim: lines inside a block as content, and accepts CRLF prompts', () => {
    const plan = parseSimDirectives('sim: write a.txt <<<\r\nsim: hang\r\n>>>\r\n');
    expect(plan.steps).toEqual([{ kind: 'write', path: 'a.txt', content: 'sim: hang\n', append: false }]);
  });

  it('reads a directive after a list marker: a task step reaches the prompt as "1. sim: …"', () => {
    const plan = parseSimDirectives(
      ['## Steps', '1. sim: run echo hi > hi.txt', '2) sim: delay 5', '- sim: hang', '* not sim: run x'].join(
        '\n',
      ),
    );
    expect(plan.errors).toEqual([]);
    expect(plan.delayMs).toBe(5);
    expect(plan.steps).toEqual([{ kind: 'run', command: 'echo hi > hi.txt' }, { kind: 'hang' }]);
  });

  it('parses every kind of directive, in order, with settings taken globally', () => {
    const prompt = [
      'sim: run npm test -- --reporter dot',
      'sim: delay 150',
      'sim: fail-attempts 2',
      'sim: wrong-attempts 1',
      'sim: ask',
      'sim: spam 1000 2.5',
      'sim: spam-mb 12.5',
      'sim: hang',
    ].join('\n');
    const plan = parseSimDirectives(prompt);
    expect(plan.errors).toEqual([]);
    expect(plan.delayMs).toBe(150);
    expect(plan.failAttempts).toBe(2);
    expect(plan.wrongAttempts).toBe(1);
    expect(plan.steps).toEqual([
      { kind: 'run', command: 'npm test -- --reporter dot' },
      { kind: 'ask' },
      { kind: 'spam', linesPerSecond: 1000, seconds: 2.5 },
      { kind: 'spam-mb', mb: 12.5 },
      { kind: 'hang' },
    ]);
  });

  it('acts on directive lines inside code fences too (documented: only the line start matters)', () => {
    const plan = parseSimDirectives(
      ['```', '  sim: run echo fenced', '```', 'Not a directive: sim: run echo inline'].join('\n'),
    );
    expect(plan.steps).toEqual([{ kind: 'run', command: 'echo fenced' }]);
  });

  it('defaults to no delay and no failures when the prompt has no directives', () => {
    expect(parseSimDirectives('Just write good code.')).toEqual({
      costUsd: 0,
      steps: [],
      delayMs: 0,
      failAttempts: 0,
      outageAttempts: 0,
      wrongAttempts: 0,
      errors: [],
    });
  });

  it('reports bad syntax with the prompt line number', () => {
    const plan = parseSimDirectives(
      [
        'intro',
        'sim: delay soon',
        'sim: teleport home',
        'sim: run',
        'sim: spam fast',
        'sim: write x.txt',
        'sim: spam-mb 0',
      ].join('\n'),
    );
    expect(plan.errors).toEqual([
      'prompt line 2 (sim: delay): expected a whole number, got "soon"',
      expect.stringContaining('prompt line 3 (sim: teleport): unknown directive'),
      'prompt line 4 (sim: run): expected a command',
      'prompt line 5 (sim: spam): expected "sim: spam LINES_PER_S SECONDS"',
      'prompt line 6 (sim: write): expected "sim: write PATH <<<" followed by lines and ">>>"',
      'prompt line 7 (sim: spam-mb): expected "sim: spam-mb MB"',
    ]);
  });

  it('reports an unterminated block', () => {
    expect(parseSimDirectives('sim: write a.txt <<<\nhello').errors).toEqual([
      'prompt line 1 (sim: write): no closing ">>>" line',
    ]);
  });

  it('refuses absolute paths and paths that escape the working directory', () => {
    const plan = parseSimDirectives(
      [
        'sim: write /etc/passwd <<<',
        '>>>',
        'sim: append ../outside.txt <<<',
        '>>>',
        'sim: write a/../../b <<<',
        '>>>',
      ].join('\n'),
    );
    expect(plan.steps).toEqual([]);
    expect(plan.errors).toHaveLength(3);
    expect(plan.errors[0]).toContain('absolute path "/etc/passwd" refused');
    expect(plan.errors[1]).toContain('escapes the working directory');
    expect(plan.errors[2]).toContain('escapes the working directory');
  });
});

describe('unsafePath', () => {
  it('accepts nested relative paths, including ones that come back inside', () => {
    expect(unsafePath('src/app.ts')).toBeUndefined();
    expect(unsafePath('src/../lib/x.ts')).toBeUndefined();
    expect(unsafePath('..hidden')).toBeUndefined();
  });
  it('refuses the working directory itself and empty paths', () => {
    expect(unsafePath('.')).toContain('working directory itself');
    expect(unsafePath('')).toBe('empty path');
  });
});

describe('wrongContent', () => {
  it('drops the last non-empty line and ends with the marker', () => {
    expect(wrongContent('def add(a, b):\n    return a + b\n\n')).toBe(`def add(a, b):\n\n${WRONG_MARKER}\n`);
    expect(wrongContent('hello\n')).toBe(`${WRONG_MARKER}\n`);
    expect(wrongContent('')).toBe(`${WRONG_MARKER}\n`);
  });
});
