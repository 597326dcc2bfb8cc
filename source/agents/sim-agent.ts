#!/usr/bin/env node
/**
 * The simulated coding agent (DESIGN.md §4): behaves like an agent CLI without a model. Like a real
 * agent it knows only its prompt and env, and acts on the prompt's `sim:` directives
 * (sim-directives.ts). Output: JSON lines on stdout in the sim format (SimLine in sim.ts); a banner
 * and the `sim: ask` question on stderr, i.e. on its terminal only.
 *
 * Usage: node dist/agents/sim-agent.js (-p PROMPT | --prompt-file FILE)
 * Env:   NIGHTSHIFT_TASK_ID, NIGHTSHIFT_ATTEMPT (1-based; default 1; `sim: on-attempt` scopes by it),
 *        NIGHTSHIFT_RUN_ID, NIGHTSHIFT_ROLE (reflect: answers with a lesson; regression: with a
 *        failure and a fix; plan: acts on the
 *        directives like a coding agent, with the planner round as the attempt)
 * Exit:  0 done · 1 failed (fail-attempts, outage-attempts, a refused directive, a "no" to ask) · 2 bad usage
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertNever } from '../errors.js';
import { parseSimDirectives, wrongContent, type SimStep } from './sim-directives.js';
import { SIM_BANNER, SIM_QUESTION, type SimLine } from './sim.js';

// Tool output is cut to this many characters in the record, as real CLIs truncate long outputs.
const MAX_TOOL_OUTPUT = 4000;
// After `sh -c CMD` exits, its pipes stay open while a background child (`cmd &`) holds them:
// collect what arrived for this long, then move on instead of waiting for the child.
const PIPE_DRAIN_MS = 250;
// Granularity of `sim: spam`: lines are emitted in batches this often.
const SPAM_TICK_MS = 10;
// Text per record of `sim: spam-mb`.
const SPAM_RECORD_BYTES = 64 * 1024;

const taskId = process.env['NIGHTSHIFT_TASK_ID'] ?? 'task';
const attempt = Number(process.env['NIGHTSHIFT_ATTEMPT'] ?? '1') || 1;
const runId = process.env['NIGHTSHIFT_RUN_ID'] ?? 'run';
const sessionId = `sim-${runId}-${taskId}-${attempt}-${randomBytes(3).toString('hex')}`;
let turns = 0;
let toolIds = 0;

/** Writes one record line. stdout is a pipe (tee) or a file: synchronous on Linux, so never lost at exit. */
// A pipe's writes turn asynchronous once it is full (a slow reader: record-tee under load), and
// process.exit drops what is still queued: `sim: spam` lost most of its lines. Block instead, so
// the sim's output is never lost, as a real CLI's is not.
(process.stdout as unknown as { _handle?: { setBlocking?: (on: boolean) => void } })._handle?.setBlocking?.(
  true,
);

function emit(line: SimLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Plausible token counts: ~4 characters a token, plus a fixed context cost per turn. */
function usage(inputChars: number, outputChars: number): void {
  turns += 1;
  emit({
    type: 'usage',
    input_tokens: 1200 + Math.ceil(inputChars / 4),
    output_tokens: 40 + Math.ceil(outputChars / 4),
    cost_usd: 0,
  });
}

/** What the final result reports as the attempt's cost (`sim: cost`). */
let resultCostUsd = 0;

function finish(ok: boolean, text: string): never {
  emit({ type: 'result', ok, text, session_id: sessionId, turns, cost_usd: resultCostUsd });
  process.exit(ok ? 0 : 1);
}

async function readPrompt(argv: readonly string[]): Promise<string> {
  const [flag, value] = argv;
  if (flag === '-p' && value !== undefined) return value;
  if (flag === '--prompt-file' && value !== undefined) return readFile(value, 'utf8');
  process.stderr.write('usage: sim-agent (-p PROMPT | --prompt-file FILE)\n');
  process.exit(2);
}

/**
 * Asked to reflect on a failed attempt (NIGHTSHIFT_ROLE=reflect), the sim does what a model would be
 * asked to: it answers with the reflect template's JSON. It ignores the task's sim: directives here,
 * since they describe the coding work, not the reflection. The lesson quotes the first line of the
 * gate output the prompt carries, so the next attempt's prompt shows where the last one failed.
 */
function reflect(prompt: string): never {
  const afterGate = prompt.split(/The gate's output:/i)[1] ?? '';
  const quoted = afterGate
    .split('\n## ')[0]
    ?.split('\n')
    .map((line) => line.trim())
    .find((line) => line.length > 0 && !line.startsWith('```'));
  const lesson = quoted
    ? `Simulated reflection: the last attempt failed at "${quoted.slice(0, 200)}"; make that check pass before finishing.`
    : 'Simulated reflection: the last attempt failed; run the verification commands before finishing.';
  const answer = JSON.stringify({ lesson, steps: null, notes: null, verification: null });
  emit({ type: 'text', text: answer });
  usage(prompt.length, answer.length);
  finish(true, answer);
}

/**
 * Asked to review landed work (NIGHTSHIFT_ROLE=review), the sim answers with the review template's
 * JSON, as a model would: a medium finding for each TODO/FIXME added in the prompt's diff (the file
 * from the diff's `+++ b/` header), and a low one saying how many files it read.
 */
function review(prompt: string): never {
  const findings: { severity: 'medium' | 'low'; file?: string; message: string; fix: string }[] = [];
  let file = '';
  let files = 0;
  for (const line of prompt.split('\n')) {
    const header = /^\+\+\+ b\/(.+)$/.exec(line);
    if (header) {
      file = header[1] ?? '';
      files += 1;
    } else if (line.startsWith('+') && /\b(TODO|FIXME)\b/.test(line)) {
      findings.push({
        severity: 'medium',
        file,
        message: `unfinished work left in: ${line.slice(1).trim().slice(0, 120)}`,
        fix: 'finish it, or add a follow-up task whose check fails until it is done',
      });
    }
  }
  const markers = findings.length;
  findings.push({ severity: 'low', message: `Simulated review read ${files} changed file(s).`, fix: '' });
  const answer = JSON.stringify({
    verdict: markers > 0 ? 'concerns' : 'ok',
    summary: `Simulated review (no model): ${files} changed file(s) read, ${markers} TODO/FIXME marker(s) found.`,
    findings,
  });
  emit({ type: 'text', text: answer });
  usage(prompt.length, answer.length);
  finish(true, answer);
}

/**
 * Asked to investigate a regression (NIGHTSHIFT_ROLE=regression), the sim answers with the
 * regression template's JSON, as a model would: a failure quoting the first failing line of the
 * gate output the prompt carries, and a fix naming the first commit since the task last passed.
 */
function regression(prompt: string): never {
  const gate = (prompt.split(/Output of the last gate run[^\n]*\n/)[1] ?? '').split('\n\n')[0] ?? '';
  const failing = gate
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line.startsWith('$ '));
  const commit = (prompt.split(/Commits on the branch since[^\n]*\n/)[1] ?? '')
    .split('\n')
    .find((line) => line.startsWith('- '))
    ?.slice(2);
  const answer = JSON.stringify({
    status: 'fail',
    evidence: `Simulated regression agent: ran ${failing ?? 'the verification commands'}; it fails on this head.`,
    failures: [failing ? `${failing.slice(2)} fails` : 'a verification command fails'],
    fix: commit
      ? `Simulated: commit ${commit} broke it; redo the task's change on top of it.`
      : "Simulated: redo the task's change on top of the current branch.",
  });
  emit({ type: 'text', text: answer });
  usage(prompt.length, answer.length);
  finish(true, answer);
}

async function main(): Promise<void> {
  const prompt = await readPrompt(process.argv.slice(2));
  process.stderr.write(`${SIM_BANNER}\n`);
  // `--model M` (the task's or the backend's model setting) changes nothing but what is reported.
  const modelAt = process.argv.indexOf('--model');
  const model = modelAt > 0 ? process.argv[modelAt + 1] : undefined;
  emit({
    type: 'init',
    session_id: sessionId,
    model: model ?? 'sim',
    simulated: true,
    attempt,
    task_id: taskId,
  });
  if (process.env['NIGHTSHIFT_ROLE'] === 'reflect') reflect(prompt);
  if (process.env['NIGHTSHIFT_ROLE'] === 'review') review(prompt);
  if (process.env['NIGHTSHIFT_ROLE'] === 'regression') regression(prompt);
  const plan = parseSimDirectives(prompt, attempt);
  if (plan.errors.length > 0) {
    for (const message of plan.errors) emit({ type: 'error', message });
    finish(false, `Refused (simulated): ${plan.errors.length} bad sim directive(s); nothing was changed.`);
  }

  resultCostUsd = plan.costUsd;
  const who = process.env['NIGHTSHIFT_ROLE'] === 'plan' ? 'planner' : 'agent';
  const intro = `Simulated ${who}, no model${model ? ` (model setting "${model}")` : ''}. Task ${taskId}, attempt ${attempt}: ${plan.steps.length} step(s) from the prompt's sim: directives.`;
  emit({ type: 'text', text: intro });
  usage(prompt.length, intro.length);

  if (attempt <= plan.outageAttempts) {
    // What claude prints when the API is overloaded: an outage, not a failure of the task.
    const message = `API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}} (simulated outage, sim: outage-attempts ${plan.outageAttempts})`;
    emit({ type: 'error', message });
    finish(false, message);
  }
  if (attempt <= plan.failAttempts) {
    const message = `Simulated failure on attempt ${attempt} (sim: fail-attempts ${plan.failAttempts}); nothing was written.`;
    emit({ type: 'error', message });
    finish(false, message);
  }
  const wrong = attempt <= plan.wrongAttempts;
  if (wrong)
    emit({
      type: 'text',
      text: `(sim: wrong-attempts ${plan.wrongAttempts}) This attempt writes deliberately wrong content.`,
    });

  let writes = 0;
  let runs = 0;
  for (const step of plan.steps) {
    if (plan.delayMs > 0) await sleep(plan.delayMs);
    await perform(step, wrong);
    if (step.kind === 'write') writes += 1;
    if (step.kind === 'run') runs += 1;
  }
  if (plan.delayMs > 0) await sleep(plan.delayMs);
  const summary = `Done (simulated): ${writes} file write(s), ${runs} command(s).`;
  emit({ type: 'text', text: summary });
  usage(0, summary.length);
  finish(true, summary);
}

async function perform(step: SimStep, wrong: boolean): Promise<void> {
  switch (step.kind) {
    case 'write': {
      const content = wrong ? wrongContent(step.content) : step.content;
      const id = `tool-${++toolIds}`;
      emit({ type: 'tool_use', id, name: step.append ? 'Append' : 'Write', input: step.path });
      const target = path.resolve(process.cwd(), step.path);
      await mkdir(path.dirname(target), { recursive: true });
      if (step.append) await appendFile(target, content);
      else await writeFile(target, content);
      emit({
        type: 'tool_result',
        id,
        is_error: false,
        output: `${step.append ? 'appended' : 'wrote'} ${Buffer.byteLength(content)} bytes to ${step.path}`,
      });
      usage(200, content.length);
      return;
    }
    case 'run': {
      const id = `tool-${++toolIds}`;
      emit({ type: 'tool_use', id, name: 'Bash', input: step.command });
      const { code, output } = await run(step.command);
      const shown =
        output.length > MAX_TOOL_OUTPUT ? `${output.slice(0, MAX_TOOL_OUTPUT)}\n… (truncated)` : output;
      emit({
        type: 'tool_result',
        id,
        is_error: code !== 0,
        output: code === 0 ? shown : `${shown}\n(exit code ${code})`,
      });
      usage(output.length, step.command.length);
      return;
    }
    case 'hang':
      emit({
        type: 'text',
        text: 'Thinking… (sim: hang — this simulated agent will now go silent and never finish)',
      });
      // A pending timer keeps the event loop (and so the process) alive forever.
      setInterval(() => undefined, 1 << 30);
      await new Promise<never>(() => undefined);
      return;
    case 'ask': {
      emit({ type: 'question', text: SIM_QUESTION });
      process.stderr.write(`${SIM_QUESTION} `);
      const answer = (await readLine()).trim().toLowerCase();
      if (answer !== 'y' && answer !== 'yes') {
        const message = `The user answered "${answer}" to the simulated question; stopping.`;
        emit({ type: 'error', message });
        finish(false, message);
      }
      emit({ type: 'text', text: 'The user said yes; continuing.' });
      return;
    }
    case 'spam':
      await spam(step.linesPerSecond, step.seconds);
      return;
    case 'spam-mb':
      spamBytes(step.mb);
      return;
    default:
      assertNever(step);
  }
}

function run(command: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    let code = 0;
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ code, output: Buffer.concat(chunks).toString('utf8') });
    };
    child.on('error', (error) => {
      chunks.push(Buffer.from(error.message));
      code = 127;
      settle();
    });
    child.on('close', settle);
    child.on('exit', (exitCode, signal) => {
      code = exitCode ?? (signal ? 128 : 1);
      setTimeout(settle, PIPE_DRAIN_MS).unref();
    });
  });
}

function readLine(): Promise<string> {
  return new Promise((resolve) => {
    let buffer = '';
    const done = (line: string): void => {
      process.stdin.off('data', onData);
      // Stop reading so the terminal's handle no longer keeps the process alive.
      process.stdin.pause();
      resolve(line);
    };
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('utf8');
      const end = buffer.search(/[\r\n]/);
      if (end >= 0) done(buffer.slice(0, end));
    };
    process.stdin.on('data', onData);
    process.stdin.once('end', () => done(buffer));
  });
}

async function spam(linesPerSecond: number, seconds: number): Promise<void> {
  const total = Math.round(linesPerSecond * seconds);
  const started = Date.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * linesPerSecond) + 1);
    for (; sent < due; sent += 1) {
      emit({
        type: 'text',
        text: `spam ${sent + 1}/${total}: the quick brown fox jumps over the lazy dog (simulated load)`,
      });
    }
    if (sent < total) await sleep(SPAM_TICK_MS);
  }
  usage(0, total * 80);
}

/** `sim: spam-mb`: `mb` MB of text in 64 KB records, as fast as stdout takes them (it blocks). */
function spamBytes(mb: number): void {
  const line = 'spam: the quick brown fox jumps over the lazy dog, simulated load for the bench run';
  const text = Array.from({ length: Math.ceil(SPAM_RECORD_BYTES / (line.length + 1)) }, () => line).join(
    '\n',
  );
  const total = mb * 1024 * 1024;
  for (let sent = 0; sent < total; sent += text.length) emit({ type: 'text', text });
  usage(0, total);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  emit({ type: 'error', message: `sim agent crashed: ${message}` });
  finish(false, message);
});
