/**
 * Reads and validates `nightshift.toml`. Every failure is a UserError that points at the place to
 * fix: `file:line:column` for TOML syntax, `file:line` plus the key path and what was expected for
 * schema errors, and which key is unknown in which table.
 */
import { readFile } from 'node:fs/promises';
import { parse, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { UserError, errorMessage } from '../errors.js';
import { projectPaths } from '../paths.js';
import { locateKey } from './locate-key.js';
import {
  closestKey,
  describeSchema,
  describeValue,
  formatKeyPath,
  schemaAt,
  unwrapSchema,
  valueAt,
} from './describe-schema.js';

export { renderConfig } from './render.js';

/** Reads `<root>/nightshift.toml`; a missing file tells the user to run `nightshift init`. */
export async function loadConfig(root: string): Promise<Config> {
  const file = projectPaths(root).config;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserError(`${file} not found: this is not a nightshift project yet`, {
        hint: 'run `nightshift init` in the repository root to create nightshift.toml and .nightshift/',
        cause: error,
      });
    }
    throw new UserError(`cannot read ${file}: ${errorMessage(error)}`, { cause: error });
  }
  return parseConfig(text, file);
}

/** Parses and validates the text of a nightshift.toml; `file` names it in error messages. */
export function parseConfig(text: string, file: string): Config {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    if (error instanceof TomlError) {
      // smol-toml's message is "Invalid TOML document: <what>\n\n<code block>"; keep the parts apart.
      const what = (error.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '');
      const codeblock = error.codeblock.trimEnd();
      throw new UserError(
        `${file}:${error.line}:${error.column}: TOML syntax error: ${what}${codeblock ? `\n\n${codeblock}` : ''}`,
        { hint: 'fix the syntax at that line (see https://toml.io)', cause: error },
      );
    }
    throw new UserError(`${file}: cannot parse: ${errorMessage(error)}`, { cause: error });
  }
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  // In file order, so the list reads top to bottom like the file; unplaced ones (no line) last.
  const problems = result.error.issues
    .flatMap((issue) => describeIssue(issue, raw, text, file))
    .sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity))
    .map((problem) => problem.text);
  const message =
    problems.length === 1
      ? (problems[0] ?? '')
      : `${file} has ${problems.length} problems:\n  ${problems.join('\n  ')}`;
  throw new UserError(message, {
    hint: 'fix the keys named above; `nightshift init` in an empty folder writes a commented nightshift.toml with every key',
    cause: result.error,
  });
}

/** One problem, with the line it sits on when the key is written in the file. */
interface Problem {
  readonly line: number | undefined;
  readonly text: string;
}

/** `file:line: what`, or `file: what` when the key is not written in the file. */
function problem(file: string, text: string, path: readonly PropertyKey[], what: string): Problem {
  const line = locateKey(text, path);
  return { line, text: `${line === undefined ? file : `${file}:${line}`}: ${what}` };
}

/** `[run]`, `[backend.claude]`, or "the top level". */
function tableName(path: readonly PropertyKey[]): string {
  return path.length === 0 ? 'at the top level' : `in table [${formatKeyPath(path)}]`;
}

/** One line per problem, each naming the file, line, key path and what was expected. */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown, text: string, file: string): Problem[] {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') {
    const tableSchema = schemaAt(configSchema, path);
    const inner = tableSchema === undefined ? undefined : unwrapSchema(tableSchema);
    const known = inner !== undefined && 'shape' in inner ? Object.keys(inner.shape as object) : [];
    return issue.keys.map((key) => {
      const value = valueAt(raw, [...path, key]);
      const isTable =
        value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
      const what = isTable
        ? `unknown table [${formatKeyPath([...path, key])}]`
        : `unknown key "${key}" ${tableName(path)}`;
      const guess = closestKey(key, known);
      const suggestion = guess !== undefined ? `; did you mean "${guess}"?` : '';
      const list = known.length > 0 ? ` (known: ${known.join(', ')})` : '';
      return problem(file, text, [...path, key], `${what}${suggestion}${list}`);
    });
  }
  const keyPath = formatKeyPath(path);
  const schema = schemaAt(configSchema, path);
  const got = describeValue(valueAt(raw, path));
  const expected = schema !== undefined ? describeSchema(schema) : issue.message;
  // The schema's own messages ("must be at most … the longest timer Node can hold") say why.
  const why = schema !== undefined && issue.message.startsWith('must ') ? ` (${issue.message})` : '';
  return [problem(file, text, path, `${keyPath || '(document)'}: expected ${expected}, got ${got}${why}`)];
}
