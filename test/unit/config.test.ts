import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parse } from 'smol-toml';
import { loadConfig, parseConfig, renderConfig } from '../../source/config/load.js';
import { BACKEND_NAMES, configSchema, defaultConfig } from '../../source/config/schema.js';
import { unwrapSchema } from '../../source/config/describe-schema.js';
import { UserError } from '../../source/errors.js';

const FILE = '/p/nightshift.toml';

/** The UserError `fn` throws (fails the test when it does not throw one). */
function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a UserError');
}

/** Every key path of the schema, e.g. `run.parallel`, `backend.claude.model`. */
function schemaKeyPaths(schema: z.ZodType, prefix: string[] = []): string[][] {
  const inner = unwrapSchema(schema);
  if (!(inner instanceof z.ZodObject)) return [prefix];
  return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([key, child]) =>
    schemaKeyPaths(child, [...prefix, key]),
  );
}

describe('parseConfig', () => {
  it('gives every default for an empty file', () => {
    expect(parseConfig('', FILE)).toEqual(defaultConfig());
  });

  it('reads values and keeps defaults for the rest', () => {
    const config = parseConfig(
      '[run]\nparallel = 4\n[backend]\ndefault = "sim"\n[backend.codex]\nextra_args = ["-x"]\n',
      FILE,
    );
    expect(config.run.parallel).toBe(4);
    expect(config.run.max_retries).toBe(3);
    expect(config.backend.default).toBe('sim');
    expect(config.backend.codex.extra_args).toEqual(['-x']);
  });

  it('names file:line:column and the parser message for a TOML syntax error', () => {
    const error = userError(() => parseConfig('[project]\nname = "x"\n[run]\nparallel = = 2\n', FILE));
    expect(error.message).toMatch(/^\/p\/nightshift\.toml:4:\d+: TOML syntax error: /);
    expect(error.message).toContain('parallel = = 2');
  });

  it('reports an unterminated string at its line', () => {
    const error = userError(() => parseConfig('[project]\nname = "x\n', FILE));
    expect(error.message).toMatch(/nightshift\.toml:2:\d+: TOML syntax error: \S/);
  });

  it('names the key path, the expected kind and the value for a wrong type', () => {
    const error = userError(() => parseConfig('[project]\nname = "x"\n\n[run]\nparallel = "four"\n', FILE));
    expect(error.message).toBe(
      '/p/nightshift.toml:5: run.parallel: expected an integer ≥ 1 and ≤ 64, got "four"',
    );
  });

  it('explains out-of-range and fractional numbers', () => {
    expect(userError(() => parseConfig('[run]\nparallel = 0\n', FILE)).message).toBe(
      '/p/nightshift.toml:2: run.parallel: expected an integer ≥ 1 and ≤ 64, got 0',
    );
    expect(userError(() => parseConfig('[run]\nmax_retries = 1.5\n', FILE)).message).toBe(
      '/p/nightshift.toml:2: run.max_retries: expected an integer ≥ 0, got 1.5',
    );
    expect(userError(() => parseConfig('[run]\nagent_timeout_seconds = 0\n', FILE)).message).toBe(
      '/p/nightshift.toml:2: run.agent_timeout_seconds: expected a number > 0 and ≤ 2147483, got 0',
    );
  });

  it('rejects timeouts longer than a Node timer holds (they would fire at once)', () => {
    expect(userError(() => parseConfig('[run]\nagent_timeout_seconds = 2592000\n', FILE)).message).toBe(
      '/p/nightshift.toml:2: run.agent_timeout_seconds: expected a number > 0 and ≤ 2147483, got 2592000 (must fit in a Node timer: at most about 24.8 days)',
    );
    expect(userError(() => parseConfig('[verification]\ntimeout_seconds = 1e9\n', FILE)).message).toMatch(
      /verification\.timeout_seconds: .*≤ 2147483.*Node timer/,
    );
    expect(parseConfig('[run]\nagent_timeout_seconds = 2147483\n', FILE).run.agent_timeout_seconds).toBe(
      2147483,
    );
  });

  it('lists the allowed values of enums', () => {
    const error = userError(() => parseConfig('[backend]\ndefault = "gpt"\n', FILE));
    expect(error.message).toBe(
      '/p/nightshift.toml:2: backend.default: expected one of "claude", "codex", "gemini", "opencode", "sim", got "gpt"',
    );
    const plan = userError(() => parseConfig('[backend]\nplan = "x"\n', FILE));
    expect(plan.message).toContain(
      'backend.plan: expected one of "claude", "codex", "gemini", "opencode", "sim", "", got "x"',
    );
  });

  it('points at the bad element of an array', () => {
    const error = userError(() => parseConfig('[security]\nblocked_commands = ["rm", 3]\n', FILE));
    expect(error.message).toBe(
      '/p/nightshift.toml:2: security.blocked_commands[1]: expected a string, got 3',
    );
  });

  it('names an unknown key, its table, a suggestion and the known keys', () => {
    const error = userError(() => parseConfig('[run]\nparallel = 2\nparalel = 3\n', FILE));
    expect(error.message).toMatch(
      /^\/p\/nightshift\.toml:3: unknown key "paralel" in table \[run\]; did you mean "parallel"\?/,
    );
    expect(error.message).toContain('known: parallel, max_agents, max_retries');
  });

  it('names unknown keys in nested tables and unknown tables', () => {
    const nested = userError(() => parseConfig('[backend.claude]\nmodle = "x"\n', FILE));
    expect(nested.message).toMatch(
      /^\/p\/nightshift\.toml:2: unknown key "modle" in table \[backend\.claude\]; did you mean "model"\?/,
    );
    const table = userError(() => parseConfig('[project]\nname = "x"\n\n[runner]\nparallel = 2\n', FILE));
    expect(table.message).toMatch(/^\/p\/nightshift\.toml:4: unknown table \[runner\]; did you mean "run"\?/);
    const top = userError(() => parseConfig('verbose = true\n', FILE));
    expect(top.message).toMatch(/^\/p\/nightshift\.toml:1: unknown key "verbose" at the top level/);
  });

  it('lists every problem when there are several', () => {
    const error = userError(() =>
      parseConfig('[run]\nparallel = "x"\n[ui]\nmax_fps = 100\n[backend]\ndefault = "y"\n', FILE),
    );
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('/p/nightshift.toml has 3 problems:');
    // In file order, whatever order the schema checks them in.
    expect(lines[1]).toContain('/p/nightshift.toml:2: run.parallel:');
    expect(lines[2]).toContain('/p/nightshift.toml:4: ui.max_fps: expected an integer ≥ 1 and ≤ 60, got 100');
    expect(lines[3]).toContain('/p/nightshift.toml:6: backend.default:');
  });

  it('finds keys written as dotted keys and inline tables', () => {
    expect(userError(() => parseConfig('\nrun.parallel = -1\n', FILE)).message).toMatch(
      /^\/p\/nightshift\.toml:2: run\.parallel:/,
    );
    expect(userError(() => parseConfig('\n\nrun = { parallel = -1 }\n', FILE)).message).toMatch(
      /^\/p\/nightshift\.toml:3: run\.parallel:/,
    );
  });
});

describe('loadConfig', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'nightshift-config-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('tells the user to run nightshift init when the file is missing', async () => {
    const error = await loadConfig(root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain(path.join(root, 'nightshift.toml'));
    expect((error as UserError).hint).toContain('nightshift init');
  });

  it('names the real file in errors', async () => {
    await writeFile(path.join(root, 'nightshift.toml'), '[run]\nepochs = "two"\n');
    const error = (await loadConfig(root).catch((e: unknown) => e)) as UserError;
    expect(error.message).toBe(
      `${path.join(root, 'nightshift.toml')}:2: run.epochs: expected an integer ≥ 1, got "two"`,
    );
  });

  it('round-trips what renderConfig writes', async () => {
    await writeFile(path.join(root, 'nightshift.toml'), renderConfig({ name: 'my-app', backend: 'codex' }));
    const config = await loadConfig(root);
    const expected = defaultConfig();
    expected.project.name = 'my-app';
    expected.backend.default = 'codex';
    expect(config).toEqual(expected);
  });
});

describe('renderConfig', () => {
  it('writes every key of the schema explicitly, for every backend', () => {
    const text = renderConfig({ name: 'x', backend: 'sim' });
    const written = parse(text);
    for (const keyPath of schemaKeyPaths(configSchema)) {
      let value: unknown = written;
      for (const key of keyPath) value = (value as Record<string, unknown> | undefined)?.[key];
      expect(value, keyPath.join('.')).not.toBeUndefined();
    }
    for (const name of BACKEND_NAMES) expect(text).toContain(`[backend.${name}]`);
  });

  it('is commented', () => {
    const text = renderConfig({ name: 'x', backend: 'claude' });
    expect(text.split('\n').filter((line) => line.includes('#')).length).toBeGreaterThan(20);
  });

  it('escapes awkward project names', () => {
    const name = 'my "quoted" \\ app\twith tab — ünïcode';
    const config = parseConfig(renderConfig({ name, backend: 'gemini' }), FILE);
    expect(config.project.name).toBe(name);
    expect(config.backend.default).toBe('gemini');
  });
});
