#!/usr/bin/env node
// `npm run bench [-- [--quick] SECTION…]`: nightshift's performance figures (DESIGN.md §9). Prints figures,
// never asserts. Each section is a module scripts/bench/NN-name.mjs exporting `name`, `title` and
// `run({ print })`; they run in file-name order, and naming sections runs only those
// (`npm run bench -- engine cli`). Add a section by adding a file. Runs the built CLI (dist/).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';
import { budgets, cleanup, requireBuild } from './bench/_lib.mjs';

// --quick: fewer runs and shorter windows in every section (BENCH_QUICK=1), for a first look.
if (process.argv.includes('--quick')) process.env.BENCH_QUICK = '1';
const quick = process.env.BENCH_QUICK === '1';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bench');
const files = readdirSync(dir)
  .filter((file) => file.endsWith('.mjs') && !file.startsWith('_'))
  .sort();
const sections = [];
for (const file of files)
  sections.push({ file, ...(await import(pathToFileURL(path.join(dir, file)).href)) });

const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const unknown = wanted.filter((name) => !sections.some((s) => s.name === name));
if (unknown.length > 0) {
  console.error(
    `unknown bench section(s): ${unknown.join(', ')}; known: ${sections.map((s) => s.name).join(', ')}`,
  );
  process.exit(1);
}
requireBuild();
const chosen = wanted.length > 0 ? sections.filter((s) => wanted.includes(s.name)) : sections;
const load = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
console.log(
  `nightshift bench — node ${process.version}, ${process.platform}/${process.arch}, ${os.cpus().length} cores, load ${load()}${quick ? ', quick' : ''}`,
);
let failed = false;
for (const section of chosen) {
  console.log(`\n## ${section.name}: ${section.title}`);
  const started = performance.now();
  try {
    await section.run({ print: (line) => console.log(`  ${line}`) });
  } catch (error) {
    failed = true;
    console.log(`  section failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    cleanup();
  }
  console.log(
    `  (section took ${((performance.now() - started) / 1000).toFixed(1)} s; load after it ${load()})`,
  );
}
printBudgets();
process.exitCode = failed ? 1 : 0;

/** Every budget row the sections measured (DESIGN.md §9), with its figure and within/OVER. */
function printBudgets() {
  console.log(`\n## summary: the budgets (DESIGN.md §9), load ${load()}`);
  if (budgets.length === 0) console.log('  (no section measured a budget figure)');
  const figure = (value, unit) =>
    Number.isFinite(value) ? `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ${unit}` : 'not measured';
  for (const { label, value, limit, unit, note } of budgets) {
    const verdict = !Number.isFinite(value) ? 'n/a' : value <= limit ? 'within' : 'OVER';
    console.log(
      `  ${label.padEnd(52)} ${figure(value, unit).padStart(14)}   budget ≤ ${`${limit} ${unit}`.padEnd(11)} ${verdict}${note ? `   (${note})` : ''}`,
    );
  }
}
