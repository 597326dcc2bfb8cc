#!/usr/bin/env node
/**
 * `tee -a FILE` that masks secrets in what it appends (DESIGN.md §8): the recording wrapper of an
 * agent (agents/agent-process.ts) pipes the CLI's stdout through it, so the attempt's `.jsonl`
 * record never holds a key in clear. The bytes go on to stdout (the pty) unchanged and at once, as
 * tee's do (the log and the board mask what they show); the file gets whole lines, each masked by
 * `maskRecordLine`, written before the same bytes reach stdout. A line that grows past LONG_LINE
 * without a newline is masked as text and written in parts, so memory stays bounded.
 *
 * Usage: node dist/security/record-tee.js FILE
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { PRIVATE_FILE_MODE } from './private-files.js';
import { maskRecordLine, maskSecrets } from './secrets.js';

/** A line longer than this is written in masked parts, keeping TAIL characters back. */
const LONG_LINE = 1024 * 1024;
/** Held back at a cut, so a key that straddles it is still whole when masked. */
const TAIL = 512;

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: record-tee FILE\n');
  process.exit(2);
}
const fd = openSync(file, 'a', PRIVATE_FILE_MODE);
const decoder = new TextDecoder('utf-8');
let pieces: string[] = [];
let pendingLength = 0;
// Part of the current line was already written as text: the rest of it is not JSON either.
let cutLine = false;
let failed = false;

function append(text: string): void {
  if (failed || text === '') return;
  try {
    const bytes = Buffer.from(text, 'utf8');
    for (let offset = 0; offset < bytes.length;)
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
  } catch {
    // A full disk: the output still reaches the terminal, as tee's would.
    failed = true;
  }
}

function take(text: string): void {
  let start = 0;
  for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
    pieces.push(text.slice(start, newline));
    const line = pieces.join('');
    append(`${cutLine ? maskSecrets(line) : maskRecordLine(line)}\n`);
    pieces = [];
    pendingLength = 0;
    cutLine = false;
    start = newline + 1;
  }
  if (start < text.length) {
    pieces.push(text.slice(start));
    pendingLength += text.length - start;
  }
  if (pendingLength > LONG_LINE) {
    const line = pieces.join('');
    const limit = line.length - TAIL;
    const space = line.lastIndexOf(' ', limit);
    const cut = space > 0 ? space + 1 : limit;
    append(maskSecrets(line.slice(0, cut)));
    pieces = [line.slice(cut)];
    pendingLength = line.length - cut;
    cutLine = true;
  }
}

let finished = false;

function finish(): void {
  if (finished) return;
  finished = true;
  take(decoder.decode());
  const rest = pieces.join('');
  if (rest !== '') append(cutLine ? maskSecrets(rest) : maskRecordLine(rest));
  pieces = [];
  try {
    closeSync(fd);
  } catch {
    // Already closed.
  }
}

// The pty may close first (the agent was stopped): the record still gets everything.
process.stdout.on('error', () => undefined);
process.stdin.on('data', (chunk: Buffer) => {
  take(decoder.decode(chunk, { stream: true }));
  process.stdout.write(chunk);
});
process.stdin.on('end', () => {
  finish();
  process.exitCode = 0;
});
// ctrl-c in an attached terminal interrupts the agent, not its record (`tee -i`): a CLI that
// handles SIGINT and goes on must still be recorded.
process.on('SIGINT', () => undefined);
for (const [signal, code] of [
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const)
  process.on(signal, () => {
    finish();
    process.exit(code);
  });
