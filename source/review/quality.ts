/**
 * The zero-cost quality check after every attempt (no agent, no tokens): what the diff looks like
 * and how the gate went, boiled down to a score from 0 to 100 with the reasons. The score is a
 * smoke detector, not a verdict: it feeds the review loop (review-loop.ts), which calls an agent
 * when the scores fall, and shows on `nightshift review`.
 */
import picomatch from 'picomatch';
import type { GateCheck, Quality } from '../tasks/model.js';

/** What the score is computed from (gathered from git by quality-git.ts). */
export interface QualityFacts {
  readonly files: readonly string[];
  readonly insertions: number;
  readonly deletions: number;
  /** The diff's added lines (without the leading `+`), for TODO/FIXME markers. */
  readonly addedLines: readonly string[];
  readonly pathPatterns: readonly string[];
  readonly checks: readonly GateCheck[];
  readonly passed: boolean;
}

/** Penalties, in points off 100. Sizes are lines changed (insertions + deletions). */
export const PENALTY = {
  gateFailed: 30,
  noChanges: 15,
  largeDiff: 10,
  hugeDiff: 25,
  manyFiles: 10,
  outsidePatternEach: 10,
  outsidePatternMax: 30,
  noTests: 15,
  todoEach: 5,
  todoMax: 20,
  noCommands: 10,
  slowVerify: 5,
  verySlowVerify: 10,
} as const;

/** Lines changed above which a diff is large (hard to review in one go) or huge. */
const LARGE_DIFF = 400;
const HUGE_DIFF = 1500;
const MANY_FILES = 25;
/** Verification slower than this costs points: slow gates slow every later attempt. */
const SLOW_VERIFY_MS = 5 * 60_000;
const VERY_SLOW_VERIFY_MS = 15 * 60_000;

/** Test files by the conventions of the common ecosystems. */
const TEST_FILE = [
  /(^|\/)(test|tests|__tests__|spec|specs|e2e)\//,
  /\.(test|spec)\.[cm]?[jt]sx?$/,
  /(^|\/)test_[^/]+\.py$/,
  /_test\.(py|go|rb|exs?)$/,
  /_spec\.rb$/,
  /Tests?\.(java|kt|cs|swift)$/,
];
/** Source files whose changes should come with tests. */
const CODE_FILE = /\.(c|cc|cpp|cs|go|h|hpp|java|js|jsx|kt|mjs|cjs|php|py|rb|rs|scala|swift|ts|tsx|ex|exs)$/;
/** Markers of unfinished work. */
const TODO = /\b(TODO|FIXME)\b/;

/** Whether a repository path is a test file. */
export function isTestFile(file: string): boolean {
  return TEST_FILE.some((pattern) => pattern.test(file));
}

/** Scores an attempt from its facts. Pure. */
export function scoreQuality(facts: QualityFacts): Quality {
  const reasons: string[] = [];
  let score = 100;
  const take = (points: number, reason: string): void => {
    score -= points;
    reasons.push(`-${points} ${reason}`);
  };
  const changed = facts.insertions + facts.deletions;
  const matchers = facts.pathPatterns.map((pattern) => picomatch(pattern, { dot: true }));
  const outsidePatterns =
    matchers.length === 0 ? [] : facts.files.filter((file) => !matchers.some((match) => match(file)));
  const tests = facts.files.filter(isTestFile);
  const code = facts.files.filter((file) => CODE_FILE.test(file) && !isTestFile(file));
  const todosAdded = facts.addedLines.filter((line) => TODO.test(line)).length;
  const commands = facts.checks.filter((check) => check.kind === 'command');
  const verifyMs = facts.checks.reduce((sum, check) => sum + check.durationMs, 0);

  if (!facts.passed) take(PENALTY.gateFailed, 'gate failed');
  if (facts.files.length === 0) take(PENALTY.noChanges, 'no file changed');
  if (changed > HUGE_DIFF) take(PENALTY.hugeDiff, `huge diff (${changed} lines)`);
  else if (changed > LARGE_DIFF) take(PENALTY.largeDiff, `large diff (${changed} lines)`);
  if (facts.files.length > MANY_FILES) take(PENALTY.manyFiles, `${facts.files.length} files changed`);
  if (outsidePatterns.length > 0) {
    take(
      Math.min(PENALTY.outsidePatternMax, PENALTY.outsidePatternEach * outsidePatterns.length),
      `${outsidePatterns.length} file(s) outside the task's paths`,
    );
  }
  if (code.length > 0 && tests.length === 0)
    take(PENALTY.noTests, 'code changed without a test added or changed');
  if (todosAdded > 0)
    take(Math.min(PENALTY.todoMax, PENALTY.todoEach * todosAdded), `${todosAdded} TODO/FIXME added`);
  if (commands.length === 0) take(PENALTY.noCommands, 'no verification command ran');
  if (verifyMs > VERY_SLOW_VERIFY_MS)
    take(PENALTY.verySlowVerify, `verification took ${Math.round(verifyMs / 60_000)} min`);
  else if (verifyMs > SLOW_VERIFY_MS)
    take(PENALTY.slowVerify, `verification took ${Math.round(verifyMs / 60_000)} min`);
  if (tests.length > 0) reasons.push(`${tests.length} test file(s) added or changed`);

  return {
    score: Math.max(0, Math.min(100, score)),
    files: facts.files.length,
    insertions: facts.insertions,
    deletions: facts.deletions,
    outsidePatterns: outsidePatterns.slice(0, 20),
    testsChanged: tests.length,
    todosAdded,
    verifyMs,
    reasons,
  };
}

/** One line for the event log: `quality 70/100 (-15 code changed without a test …)`. */
export function describeQuality(quality: Quality): string {
  const off = quality.reasons.filter((reason) => reason.startsWith('-'));
  return `quality ${quality.score}/100${off.length > 0 ? ` (${off.join('; ')})` : ''}`;
}
