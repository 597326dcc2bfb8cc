/**
 * The `sim:` directives a prompt carries to the simulated agent (DESIGN.md §4). Pure: prompt text
 * in, a plan out, so the syntax is tested without running anything.
 *
 * Syntax — a directive is any line whose trimmed text starts with `sim:`, or with a list marker
 * (`1.`, `2)`, `-`, `*`) and then `sim:`: a task's steps reach the prompt as `1. …` lines, so a step
 * typed as `sim: run …` (the board's new-task form, `task add --step`) is read too. Nothing else in
 * the prompt is read, so directives quoted inside code fences or examples count too (kept simple on
 * purpose):
 *   sim: write PATH <<<          the following lines, up to a line that is `>>>` after trimming,
 *   ...content...                become the file's content (with a final newline). Leading
 *   >>>                          whitespace up to the directive line's own indentation is removed
 *                                from each content line, so an indented block writes unindented.
 *   sim: append PATH <<<  ...  >>>   the same, appended (the file is created if missing)
 *   sim: run CMD                 runs `sh -c CMD` in the working directory
 *   sim: delay MS                pause between output steps (the last one wins; default 0)
 *   sim: fail-attempts N         on attempts ≤ N: write nothing, report an error result, exit 1
 *   sim: outage-attempts N       on attempts ≤ N: report an API outage (529 overloaded) as claude
 *                                does, write nothing, exit 1 (the engine pauses; no retry spent)
 *   sim: wrong-attempts N        on attempts ≤ N: every write/append gets wrong content (wrongContent)
 *   sim: hang                    print, then produce nothing and never exit
 *   sim: ask                     print a yes/no question and wait for a line on stdin
 *   sim: spam LINES_PER_S SECONDS  text lines at that rate, for benchmarks
 *   sim: spam-mb MB              MB of text as fast as it goes, in 64 KB records of ~100-character
 *                                lines: a bench device for the 1 GB run (per-record costs amortised)
 *   sim: cost USD                the attempt's final result reports this cost (budgets, reports)
 *   sim: on-attempt N            the directives after it, up to the next `sim: on-attempt`, apply
 *                                only on attempt N (NIGHTSHIFT_ATTEMPT; for a planner, the round);
 *                                `sim: on-attempt any` makes the following ones apply on every
 *                                attempt again. Out-of-scope directives are still checked for
 *                                errors, so a typo in round 2's script fails round 1 too.
 * Paths must be relative and stay inside the working directory.
 */
import path from 'node:path';

/** One step the sim performs, in prompt order. */
export type SimStep =
  | { readonly kind: 'write'; readonly path: string; readonly content: string; readonly append: boolean }
  | { readonly kind: 'run'; readonly command: string }
  | { readonly kind: 'hang' }
  | { readonly kind: 'ask' }
  | { readonly kind: 'spam'; readonly linesPerSecond: number; readonly seconds: number }
  | { readonly kind: 'spam-mb'; readonly mb: number };

/** Everything the directives of one prompt ask for. */
export interface SimPlan {
  readonly steps: readonly SimStep[];
  readonly delayMs: number;
  readonly failAttempts: number;
  readonly outageAttempts: number;
  readonly wrongAttempts: number;
  /** Dollars the final result reports (`sim: cost`); 0 by default, as a model-less agent costs nothing. */
  readonly costUsd: number;
  /** Problems found (bad syntax, unsafe paths), each naming its prompt line; the sim refuses to act if any. */
  readonly errors: readonly string[];
}

const DIRECTIVE = /^(?:(?:\d+[.)]|[-*])\s+)?sim:\s*(\S+)\s*(.*)$/;
const BLOCK_OPEN = /^(\S+)\s*<<<$/;

/**
 * Parses the directives of a prompt. With `attempt`, directives scoped by `sim: on-attempt` to
 * another attempt are left out; without it every directive counts (scopes are ignored).
 */
export function parseSimDirectives(prompt: string, attempt?: number): SimPlan {
  const lines = prompt.split(/\r?\n/);
  const steps: SimStep[] = [];
  const errors: string[] = [];
  let delayMs = 0;
  let failAttempts = 0;
  let outageAttempts = 0;
  let wrongAttempts = 0;
  let costUsd = 0;
  // The attempt the directives being read apply to; undefined = every attempt.
  let scope: number | undefined;
  const active = (): boolean => attempt === undefined || scope === undefined || scope === attempt;
  const push = (step: SimStep): void => {
    if (active()) steps.push(step);
  };

  for (let index = 0; index < lines.length; index += 1) {
    const raw = lines[index] ?? '';
    const match = DIRECTIVE.exec(raw.trim());
    if (!match) continue;
    const lineNo = index + 1;
    const name = match[1] ?? '';
    const rest = (match[2] ?? '').trim();
    const where = `prompt line ${lineNo} (sim: ${name})`;
    const count = (): number | undefined => {
      if (/^\d+$/.test(rest)) return Number(rest);
      errors.push(`${where}: expected a whole number, got "${rest}"`);
      return undefined;
    };

    switch (name) {
      case 'write':
      case 'append': {
        const open = BLOCK_OPEN.exec(rest);
        if (!open) {
          errors.push(`${where}: expected "sim: ${name} PATH <<<" followed by lines and ">>>"`);
          break;
        }
        const target = open[1] ?? '';
        const indent = raw.length - raw.trimStart().length;
        const body: string[] = [];
        let closed = false;
        for (index += 1; index < lines.length; index += 1) {
          const line = lines[index] ?? '';
          if (line.trim() === '>>>') {
            closed = true;
            break;
          }
          body.push(dedent(line, indent));
        }
        if (!closed) {
          errors.push(`${where}: no closing ">>>" line`);
          break;
        }
        const problem = unsafePath(target);
        if (problem) errors.push(`${where}: ${problem}`);
        else
          push({
            kind: 'write',
            path: target,
            content: body.length > 0 ? `${body.join('\n')}\n` : '',
            append: name === 'append',
          });
        break;
      }
      case 'run':
        if (rest === '') errors.push(`${where}: expected a command`);
        else push({ kind: 'run', command: rest });
        break;
      case 'delay': {
        const value = count();
        if (value !== undefined && active()) delayMs = value;
        break;
      }
      case 'outage-attempts': {
        const value = count();
        if (value !== undefined && active()) outageAttempts = value;
        break;
      }
      case 'fail-attempts': {
        const value = count();
        if (value !== undefined && active()) failAttempts = value;
        break;
      }
      case 'wrong-attempts': {
        const value = count();
        if (value !== undefined && active()) wrongAttempts = value;
        break;
      }
      case 'cost': {
        const value = Number(rest);
        if (rest === '' || !Number.isFinite(value) || value < 0)
          errors.push(`${where}: expected "sim: cost USD"`);
        else if (active()) costUsd = value;
        break;
      }
      case 'hang':
        push({ kind: 'hang' });
        break;
      case 'ask':
        push({ kind: 'ask' });
        break;
      case 'spam': {
        const numbers = /^(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)$/.exec(rest);
        if (!numbers) errors.push(`${where}: expected "sim: spam LINES_PER_S SECONDS"`);
        else push({ kind: 'spam', linesPerSecond: Number(numbers[1]), seconds: Number(numbers[2]) });
        break;
      }
      case 'spam-mb': {
        const mb = /^\d+(?:\.\d+)?$/.test(rest) ? Number(rest) : NaN;
        if (!(mb > 0)) errors.push(`${where}: expected "sim: spam-mb MB"`);
        else push({ kind: 'spam-mb', mb });
        break;
      }
      case 'on-attempt':
        if (rest === 'any') scope = undefined;
        else {
          const value = count();
          if (value !== undefined) scope = value;
        }
        break;
      default:
        errors.push(
          `${where}: unknown directive; known: write, append, run, delay, fail-attempts, outage-attempts, wrong-attempts, hang, ask, spam, spam-mb, cost, on-attempt`,
        );
    }
  }
  return { steps, delayMs, failAttempts, outageAttempts, wrongAttempts, costUsd, errors };
}

/** Why a directive path is refused, or undefined when it is a safe relative path. */
export function unsafePath(target: string): string | undefined {
  if (target === '') return 'empty path';
  if (path.isAbsolute(target))
    return `absolute path "${target}" refused; paths are relative to the working directory`;
  const normal = path.normalize(target);
  if (normal === '..' || normal.startsWith(`..${path.sep}`))
    return `path "${target}" escapes the working directory`;
  if (normal === '.') return `path "${target}" is the working directory itself`;
  return undefined;
}

/** The marker line that wrong content ends with. */
export const WRONG_MARKER = '!!! sim: deliberately wrong content !!!';

/**
 * What `sim: wrong-attempts` writes instead of `content`: the last non-empty line is dropped and
 * WRONG_MARKER is added as the last line. Not a comment in any language, so code no longer parses,
 * and the text differs, so exact-content checks fail too.
 */
export function wrongContent(content: string): string {
  const lines = content.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let last = lines.length - 1; last >= 0; last -= 1) {
    if ((lines[last] ?? '').trim() !== '') {
      lines.splice(last, 1);
      break;
    }
  }
  lines.push(WRONG_MARKER);
  return `${lines.join('\n')}\n`;
}

function dedent(line: string, indent: number): string {
  let cut = 0;
  while (cut < indent && (line[cut] === ' ' || line[cut] === '\t')) cut += 1;
  return line.slice(cut);
}
