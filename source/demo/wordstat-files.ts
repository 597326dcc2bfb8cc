/**
 * The program the demo's tasks build: wordstat, a tiny dependency-free Node.js library and CLI that
 * counts words and scores readability, with real `node --test` tests. The simulated agent writes
 * these files verbatim (`sim: write`), and the gate really runs their tests.
 */

/** The files of wordstat by path; each task writes some of them. */
export const WORDSTAT_FILES = {
  'package.json': `{
  "name": "wordstat",
  "version": "0.1.0",
  "description": "Word counts and readability of a text; written by nightshift's demo with a simulated agent",
  "type": "module",
  "bin": { "wordstat": "bin/wordstat.js" },
  "scripts": { "test": "node --test" },
  "license": "MIT"
}
`,
  'src/tokenize.js': `/** A word: letters or digits, with apostrophes or hyphens allowed between them ("don't", "well-known"). */
const WORD = /[\\p{L}\\p{N}]+(?:['’-][\\p{L}\\p{N}]+)*/gu;

/** The words of a text, lower-cased, in order. */
export function words(text) {
  return text.toLowerCase().match(WORD) ?? [];
}
`,
  'test/tokenize.test.js': `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { words } from '../src/tokenize.js';

test('splits on spaces and punctuation, lower-cased', () => {
  assert.deepEqual(words('Hello, World! Hello again.'), ['hello', 'world', 'hello', 'again']);
});

test('keeps apostrophes and hyphens inside words', () => {
  assert.deepEqual(words("Don't stop a well-known tune"), ["don't", 'stop', 'a', 'well-known', 'tune']);
});

test('letters beyond ASCII are letters', () => {
  assert.deepEqual(words('Café crème'), ['café', 'crème']);
});

test('a text without letters has no words', () => {
  assert.deepEqual(words('  ... -- !'), []);
});
`,
  'src/count.js': `import { words } from './tokenize.js';

/** How often each word occurs, as a Map in order of first appearance. */
export function wordCounts(text) {
  const counts = new Map();
  for (const word of words(text)) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}

/** The \`n\` most frequent words as [word, count] pairs; ties in alphabetical order. */
export function topWords(text, n = 5) {
  return [...wordCounts(text)]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, n);
}
`,
  'test/count.test.js': `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { topWords, wordCounts } from '../src/count.js';

test('counts each word, ignoring case', () => {
  const counts = wordCounts('The cat and the hat. THE end.');
  assert.equal(counts.get('the'), 3);
  assert.equal(counts.get('cat'), 1);
  assert.equal(counts.size, 5);
});

test('top words: most frequent first, ties alphabetical', () => {
  assert.deepEqual(topWords('b a c b a b', 2), [['b', 3], ['a', 2]]);
  assert.deepEqual(topWords('pear apple fig', 3), [['apple', 1], ['fig', 1], ['pear', 1]]);
});

test('an empty text has no top words', () => {
  assert.deepEqual(topWords(''), []);
});
`,
  'src/sentences.js': `/** The sentences of a text: split after ".", "!" or "?" followed by white space; empty pieces dropped. */
export function sentences(text) {
  return text
    .split(/(?<=[.!?])\\s+/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => /[\\p{L}\\p{N}]/u.test(sentence));
}
`,
  'test/sentences.test.js': `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sentences } from '../src/sentences.js';

test('splits after full stops, exclamation and question marks', () => {
  assert.deepEqual(sentences('One. Two! Three? Four'), ['One.', 'Two!', 'Three?', 'Four']);
});

test('line breaks separate sentences too', () => {
  assert.deepEqual(sentences('First line.\\nSecond line.'), ['First line.', 'Second line.']);
});

test('a text without words has no sentences', () => {
  assert.deepEqual(sentences(''), []);
  assert.deepEqual(sentences(' ... '), []);
});
`,
  'src/readability.js': `import { sentences } from './sentences.js';
import { words } from './tokenize.js';

/** A rough English syllable count: groups of vowels, minus a silent final "e"; at least one. */
export function syllables(word) {
  const letters = word.toLowerCase().replace(/[^a-z]/g, '');
  if (letters.length === 0) return 0;
  if (letters.length <= 3) return 1;
  const trimmed = letters.replace(/(?:[^laeiouy]es|ed|[^laeiouy]e)$/, '').replace(/^y/, '');
  return Math.max(1, trimmed.match(/[aeiouy]{1,2}/g)?.length ?? 0);
}

/**
 * Flesch reading ease, rounded to one decimal: about 90–100 is easy, under 30 is hard.
 * Null for a text without words or sentences.
 */
export function readingEase(text) {
  const all = words(text);
  const sentenceCount = sentences(text).length;
  if (all.length === 0 || sentenceCount === 0) return null;
  const syllableCount = all.reduce((sum, word) => sum + syllables(word), 0);
  const score = 206.835 - 1.015 * (all.length / sentenceCount) - 84.6 * (syllableCount / all.length);
  return Math.round(score * 10) / 10;
}
`,
  'test/readability.test.js': `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readingEase, syllables } from '../src/readability.js';

test('syllables of common words', () => {
  assert.equal(syllables('cat'), 1);
  assert.equal(syllables('make'), 1);
  assert.equal(syllables('table'), 2);
  assert.equal(syllables('banana'), 3);
  assert.equal(syllables('readability'), 5);
});

test('reading ease of a simple sentence', () => {
  assert.equal(readingEase('The cat sat on the mat.'), 116.1);
});

test('long words read harder than short ones', () => {
  const easy = readingEase('The dog ran. The sun was hot.');
  const hard = readingEase('Institutional considerations necessitate comprehensive documentation.');
  assert.ok(easy > hard, \`\${easy} should be above \${hard}\`);
});

test('no words, no score', () => {
  assert.equal(readingEase(''), null);
});
`,
  'src/report.js': `import { topWords, wordCounts } from './count.js';
import { readingEase } from './readability.js';
import { sentences } from './sentences.js';
import { words } from './tokenize.js';

/** Everything wordstat says about a text. */
export function report(text, { top = 5 } = {}) {
  return {
    words: words(text).length,
    uniqueWords: wordCounts(text).size,
    sentences: sentences(text).length,
    readingEase: readingEase(text),
    topWords: topWords(text, top).map(([word, count]) => ({ word, count })),
  };
}

/** The report as aligned lines for a terminal. */
export function formatReport(result) {
  const ease = result.readingEase === null ? '-' : \`\${result.readingEase} (Flesch reading ease)\`;
  const lines = [
    \`words      \${result.words} (\${result.uniqueWords} different)\`,
    \`sentences  \${result.sentences}\`,
    \`reading    \${ease}\`,
    'top words',
  ];
  for (const { word, count } of result.topWords) lines.push(\`  \${word.padEnd(14)} \${count}\`);
  return lines.join('\\n');
}
`,
  'test/report.test.js': `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatReport, report } from '../src/report.js';

const TEXT = 'The cat sat on the mat. The cat was happy!';

test('report gathers counts, sentences, reading ease and top words', () => {
  const result = report(TEXT, { top: 2 });
  assert.equal(result.words, 10);
  assert.equal(result.uniqueWords, 7);
  assert.equal(result.sentences, 2);
  assert.equal(typeof result.readingEase, 'number');
  assert.deepEqual(result.topWords, [{ word: 'the', count: 3 }, { word: 'cat', count: 2 }]);
});

test('formatReport prints one fact per line', () => {
  const text = formatReport(report(TEXT, { top: 1 }));
  assert.match(text, /^words {6}10 \\(7 different\\)$/m);
  assert.match(text, /^sentences {2}2$/m);
  assert.match(text, /^ {2}the +3$/m);
});

test('an empty text reports zeros and no score', () => {
  assert.match(formatReport(report('')), /^reading {4}-$/m);
});
`,
  'bin/wordstat.js': `#!/usr/bin/env node
// wordstat [--json] [FILE...]: word counts and readability of the files, or of stdin.
import { readFileSync } from 'node:fs';
import { formatReport, report } from '../src/report.js';

const args = process.argv.slice(2);
if (args.includes('--help')) {
  process.stdout.write('usage: wordstat [--json] [FILE...]   (reads stdin without files)\\n');
  process.exit(0);
}
const json = args.includes('--json');
const files = args.filter((arg) => arg !== '--json');
let text;
try {
  text = files.length > 0 ? files.map((file) => readFileSync(file, 'utf8')).join('\\n') : readFileSync(0, 'utf8');
} catch (error) {
  process.stderr.write(\`wordstat: \${error.message}\\n\`);
  process.exit(2);
}
const result = report(text);
process.stdout.write(json ? \`\${JSON.stringify(result, null, 2)}\\n\` : \`\${formatReport(result)}\\n\`);
`,
  'test/cli.test.js': `import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/wordstat.js', import.meta.url));
const wordstat = (args, input) => spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8' });

test('reads stdin and prints the report', () => {
  const run = wordstat([], 'Go team. Go!');
  assert.equal(run.status, 0);
  assert.match(run.stdout, /^words {6}3 \\(2 different\\)$/m);
});

test('--json prints the report as JSON', () => {
  const run = wordstat(['--json'], 'one two two');
  assert.equal(run.status, 0);
  assert.deepEqual(JSON.parse(run.stdout).topWords[0], { word: 'two', count: 2 });
});

test('a missing file is an error with exit code 2', () => {
  const run = wordstat(['no-such-file.txt'], '');
  assert.equal(run.status, 2);
  assert.match(run.stderr, /^wordstat: /);
});
`,
  'sample.txt': `Night falls and the builders begin. One agent writes the words, another counts them.
Tests run, and what passes is kept. By morning the work is done!
`,
} as const;

/** A path of wordstat. */
export type WordstatPath = keyof typeof WORDSTAT_FILES;
