#!/usr/bin/env node
// Fails when source/ has an import cycle (type-only imports included): prints each cycle as a chain of files.
// Run by `npm run lint`. Usage: node scripts/check-cycles.mjs [root=source] [--graph]
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname, resolve, relative } from 'node:path';

const root = resolve(process.argv.find((a, i) => i > 1 && !a.startsWith('--')) ?? 'source');
const printGraph = process.argv.includes('--graph');

function listFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const importPattern =
  /(?:^|\s)(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function resolveImport(from, spec) {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  const candidates = [
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.js$/, '.tsx'),
    base + '.ts',
    base + '/index.ts',
  ];
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

const files = listFiles(root);
const edges = new Map();
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const targets = new Set();
  for (const match of text.matchAll(importPattern)) {
    const target = resolveImport(file, match[1] ?? match[2]);
    if (target !== undefined && target.startsWith(root)) targets.add(target);
  }
  edges.set(file, [...targets]);
}

// Tarjan's strongly connected components: any component with more than one file is a cycle.
let index = 0;
const indices = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const components = [];
function connect(node) {
  indices.set(node, index);
  low.set(node, index);
  index += 1;
  stack.push(node);
  onStack.add(node);
  for (const next of edges.get(node) ?? []) {
    if (!indices.has(next)) {
      connect(next);
      low.set(node, Math.min(low.get(node), low.get(next)));
    } else if (onStack.has(next)) low.set(node, Math.min(low.get(node), indices.get(next)));
  }
  if (low.get(node) === indices.get(node)) {
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (edges.get(node) ?? []).includes(node)) components.push(component);
  }
}
for (const file of files) if (!indices.has(file)) connect(file);

const show = (file) => relative(process.cwd(), file);
if (printGraph)
  for (const [file, targets] of edges) console.log(`${show(file)} -> ${targets.map(show).join(', ')}`);
if (components.length === 0) {
  console.log(`check-cycles: no import cycle among ${files.length} files in ${show(root)}/`);
  process.exit(0);
}
for (const component of components) {
  console.error(`import cycle among ${component.length} files:`);
  for (const file of component.sort()) console.error(`  ${show(file)}`);
}
process.exit(1);
