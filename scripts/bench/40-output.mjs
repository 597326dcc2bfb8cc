// Agent output at volume (DESIGN.md §9). One long line: an agent prints a single JSON record line
// of 5 and 40 MB (then a result line) through the real runner (pty, tee'd record, log, screen,
// parser): wall time from start to result, which must grow linearly with the line (the record
// reader once joined and rescanned the unfinished line on every read: 5/10/20/40 MB took
// 6.8/27/84/>300 s). BENCH_LONG_LINE_MB=5,40 picks the sizes.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './_lib.mjs';

export const name = 'output';
export const title = 'Agent output at volume: one long record line';

const dist = (file) => pathToFileURL(path.join(repoRoot, 'dist', file)).href;

/** Runs `node -e` printing one text record line of `mb` MB and a result line, through startAgent. */
async function longLine(mb) {
  const { startAgent } = await import(dist('agents/agent-process.js'));
  const { simBackend } = await import(dist('agents/sim.js'));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nightshift-bench-line-'));
  try {
    const script =
      `process.stdout.write('{"type":"text","text":"' + 'a'.repeat(${mb} * 1024 * 1024) + '"}\\n');` +
      `process.stdout.write('{"type":"result","ok":true,"text":"done"}\\n');`;
    const started = performance.now();
    const agent = await startAgent({
      command: { file: process.execPath, args: ['-e', script], cwd: dir, env: {} },
      backend: simBackend,
      logPath: path.join(dir, 'a.log'),
      jsonlPath: path.join(dir, 'a.jsonl'),
    });
    let longest = 0;
    agent.on('event', (event) => {
      if (event.type === 'text') longest = Math.max(longest, event.text.length);
    });
    const result = await agent.result;
    return {
      seconds: (performance.now() - started) / 1000,
      whole: longest === mb * 1024 * 1024,
      ok: result.ok,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run({ print }) {
  const sizes = (process.env.BENCH_LONG_LINE_MB ?? '5,40').split(',').map(Number);
  const figures = [];
  for (const mb of sizes) {
    const { seconds, whole, ok } = await longLine(mb);
    figures.push({ mb, seconds });
    print(
      `one ${String(mb).padStart(3)} MB record line: ${seconds.toFixed(2)} s to the result   (${whole ? 'parsed whole' : 'NOT parsed whole'}, result ${ok ? 'ok' : 'NOT ok'})`,
    );
  }
  if (figures.length > 1) {
    const first = figures[0];
    const last = figures[figures.length - 1];
    print(
      `time ratio ${last.mb}/${first.mb} MB: ${(last.seconds / first.seconds).toFixed(1)}× for ${(last.mb / first.mb).toFixed(0)}× the bytes   (budget: linear)`,
    );
  }
}
