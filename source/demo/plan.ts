/**
 * The demo's plan (DESIGN.md §5 plan file format): eight tasks with dependencies that build wordstat
 * (wordstat-files.ts). Each task carries `sim:` directives for the simulated agent — write the
 * module and its test, run the test like a careful agent would — and a verification contract whose
 * commands really run the tests. The `sentences` task writes broken code on its first attempt
 * (`sim: wrong-attempts 1`), so the run shows the gate catching it, a reflection, and a retry that
 * passes.
 */
import { WORDSTAT_FILES, type WordstatPath } from './wordstat-files.js';

/** The task whose first attempt is deliberately wrong. */
export const RETRY_TASK_ID = 'sentences';

/** Pause between the simulated agent's steps: long enough to watch, short enough for ~30 s. */
export const DEFAULT_STEP_DELAY_MS = 700;

interface DemoTask {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly steps: readonly string[];
  readonly dependsOn: readonly string[];
  readonly writes: readonly WordstatPath[];
  /** What the agent runs before finishing (the same tests the gate runs). */
  readonly agentRuns: readonly string[];
  readonly verify: readonly string[];
  readonly wrongAttempts?: number;
}

const TASKS: readonly DemoTask[] = [
  {
    id: 'setup',
    title: 'Set up the wordstat package',
    description:
      'Create package.json for an ESM Node.js package named wordstat with no dependencies, tested with `node --test`.',
    steps: ['Write package.json with "type": "module", a bin entry and `node --test` as the test script'],
    dependsOn: [],
    writes: ['package.json'],
    agentRuns: [],
    verify: [
      `node -e "const p = JSON.parse(require('fs').readFileSync('package.json', 'utf8')); process.exit(p.type === 'module' ? 0 : 1)"`,
    ],
  },
  {
    id: 'tokenize',
    title: 'Split text into words',
    description:
      'Add src/tokenize.js exporting words(text): the lower-cased words of a text, keeping apostrophes and hyphens inside words and letters beyond ASCII.',
    steps: [
      'Write src/tokenize.js',
      'Cover punctuation, apostrophes, hyphens and accents in test/tokenize.test.js',
    ],
    dependsOn: ['setup'],
    writes: ['src/tokenize.js', 'test/tokenize.test.js'],
    agentRuns: ['node --test test/tokenize.test.js'],
    verify: ['node --test test/tokenize.test.js'],
  },
  {
    id: 'count',
    title: 'Count words and find the most frequent',
    description:
      'Add src/count.js with wordCounts(text) (a Map of word to count) and topWords(text, n) (most frequent first, ties alphabetical).',
    steps: [
      'Write src/count.js on top of words()',
      'Test counts, ties and the empty text in test/count.test.js',
    ],
    dependsOn: ['tokenize'],
    writes: ['src/count.js', 'test/count.test.js'],
    agentRuns: ['node --test test/count.test.js'],
    verify: ['node --test test/count.test.js'],
  },
  {
    id: RETRY_TASK_ID,
    title: 'Split text into sentences',
    description:
      'Add src/sentences.js exporting sentences(text): split after ".", "!" or "?" followed by white space; pieces without words are dropped.',
    steps: [
      'Write src/sentences.js',
      'Test the three marks, line breaks and empty input in test/sentences.test.js',
    ],
    dependsOn: ['setup'],
    writes: ['src/sentences.js', 'test/sentences.test.js'],
    agentRuns: ['node --test test/sentences.test.js'],
    verify: ['node --test test/sentences.test.js'],
    wrongAttempts: 1,
  },
  {
    id: 'readability',
    title: 'Score readability',
    description:
      'Add src/readability.js with syllables(word), a rough English syllable count, and readingEase(text), the Flesch reading ease rounded to one decimal (null without words).',
    steps: [
      'Write src/readability.js using words() and sentences()',
      'Test syllables and scores in test/readability.test.js',
    ],
    dependsOn: ['tokenize', RETRY_TASK_ID],
    writes: ['src/readability.js', 'test/readability.test.js'],
    agentRuns: ['node --test test/readability.test.js'],
    verify: ['node --test test/readability.test.js'],
  },
  {
    id: 'report',
    title: 'Put the report together',
    description:
      'Add src/report.js: report(text, {top}) gathers word and sentence counts, reading ease and the top words; formatReport(result) prints them as aligned lines.',
    steps: ['Write src/report.js', 'Test both functions in test/report.test.js'],
    dependsOn: ['count', 'readability'],
    writes: ['src/report.js', 'test/report.test.js'],
    agentRuns: ['node --test test/report.test.js'],
    verify: ['node --test test/report.test.js'],
  },
  {
    id: 'cli',
    title: 'The wordstat command',
    description:
      'Add bin/wordstat.js: `wordstat [--json] [FILE...]` prints the report of the files, or of stdin; a file it cannot read is exit code 2.',
    steps: ['Write bin/wordstat.js', 'Test stdin, --json and a missing file in test/cli.test.js'],
    dependsOn: ['report'],
    writes: ['bin/wordstat.js', 'test/cli.test.js'],
    agentRuns: ['node --test test/cli.test.js'],
    verify: ['node --test test/cli.test.js'],
  },
  {
    id: 'sample',
    title: 'A sample text and the whole suite',
    description:
      'Add sample.txt to try the command on, and check that the whole test suite passes and the command reads the sample.',
    steps: ['Write sample.txt', 'Run every test and the command on the sample'],
    dependsOn: ['cli'],
    writes: ['sample.txt'],
    agentRuns: ['node bin/wordstat.js sample.txt'],
    verify: ['node --test', 'node bin/wordstat.js sample.txt'],
  },
];

/** The plan file of the demo, ready for `parsePlanFile`; `stepDelayMs` paces the simulated agent. */
export function demoPlan(stepDelayMs: number = DEFAULT_STEP_DELAY_MS): object {
  return {
    project: 'wordstat-demo',
    epics: [
      {
        id: 'wordstat',
        title: 'wordstat',
        description: 'A small word-count and readability library and CLI for Node.js',
      },
    ],
    tasks: TASKS.map((task, index) => ({
      id: task.id,
      title: task.title,
      epic: 'wordstat',
      // Earlier tasks first when several are ready: the board then reads top to bottom.
      priority: TASKS.length - index,
      description: `${task.description}\n\n${simDirectives(task, stepDelayMs)}`,
      steps: task.steps,
      depends_on: task.dependsOn,
      verification: {
        path_patterns: task.writes,
        validate_commands: task.verify,
        validate_timeout_seconds: 120,
      },
    })),
  };
}

/** What the simulated agent does for a task, written as it reads it (sim-directives.ts). */
function simDirectives(task: DemoTask, stepDelayMs: number): string {
  const lines = [
    'Directives for the simulated agent (the sim backend follows these lines; a real agent would write the code itself):',
    `sim: delay ${stepDelayMs}`,
  ];
  if (task.wrongAttempts !== undefined) lines.push(`sim: wrong-attempts ${task.wrongAttempts}`);
  for (const file of task.writes)
    lines.push(`sim: write ${file} <<<`, WORDSTAT_FILES[file].replace(/\n$/, ''), '>>>');
  for (const command of task.agentRuns) lines.push(`sim: run ${command}`);
  return lines.join('\n');
}

/** The number of tasks in the demo plan. */
export const DEMO_TASK_COUNT = TASKS.length;
