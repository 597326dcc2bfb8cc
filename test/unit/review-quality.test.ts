/**
 * The zero-cost quality score on canned diffs, the review trigger, and the parsing of a review
 * agent's answer.
 */
import { describe, expect, it } from 'vitest';
import { addedLines } from '../../source/review/assess.js';
import { PENALTY, isTestFile, scoreQuality, type QualityFacts } from '../../source/review/quality.js';
import { reviewDue } from '../../source/review/review-loop.js';
import { formatFinding, parseReview } from '../../source/review/review-log.js';
import type { GateCheck } from '../../source/tasks/model.js';

const passedCommand = (durationMs = 1200): GateCheck => ({
  kind: 'command',
  name: 'npm test',
  passed: true,
  detail: '',
  durationMs,
});

/** A canned unified diff: a new source file with a TODO, and a changed test. */
const DIFF = `diff --git a/src/app.ts b/src/app.ts
new file mode 100644
--- /dev/null
+++ b/src/app.ts
@@ -0,0 +1,3 @@
+export function add(a: number, b: number): number {
+  return a + b; // TODO: overflow
+}
diff --git a/test/app.test.ts b/test/app.test.ts
--- a/test/app.test.ts
+++ b/test/app.test.ts
@@ -1,2 +1,2 @@
-expect(add(1, 1)).toBe(3);
+expect(add(1, 1)).toBe(2);
 // FIXME later
`;

function facts(overrides: Partial<QualityFacts> = {}): QualityFacts {
  return {
    files: ['src/app.ts', 'test/app.test.ts'],
    insertions: 4,
    deletions: 1,
    addedLines: addedLines(DIFF),
    pathPatterns: [],
    checks: [passedCommand()],
    passed: true,
    ...overrides,
  };
}

describe('quality score', () => {
  it('reads added lines from a unified diff (not headers, not context or removed lines)', () => {
    expect(addedLines(DIFF)).toEqual([
      'export function add(a: number, b: number): number {',
      '  return a + b; // TODO: overflow',
      '}',
      'expect(add(1, 1)).toBe(2);',
    ]);
  });

  it('takes points for an added TODO but not for a FIXME in context; a changed test counts', () => {
    const quality = scoreQuality(facts());
    expect(quality).toMatchObject({
      score: 100 - PENALTY.todoEach,
      files: 2,
      insertions: 4,
      deletions: 1,
      todosAdded: 1,
      testsChanged: 1,
      outsidePatterns: [],
      verifyMs: 1200,
    });
    expect(quality.reasons).toEqual(['-5 1 TODO/FIXME added', '1 test file(s) added or changed']);
  });

  it('takes points for code without tests, files outside the path patterns, and a failed gate', () => {
    const quality = scoreQuality(
      facts({
        files: ['src/app.ts', 'scripts/deploy.sh', 'README.md'],
        addedLines: ['const x = 1;'],
        pathPatterns: ['src/**', '*.md'],
        checks: [{ kind: 'command', name: 'npm test', passed: false, detail: 'boom', durationMs: 900 }],
        passed: false,
      }),
    );
    expect(quality.outsidePatterns).toEqual(['scripts/deploy.sh']);
    expect(quality.score).toBe(100 - PENALTY.gateFailed - PENALTY.outsidePatternEach - PENALTY.noTests);
    expect(quality.reasons).toEqual([
      '-30 gate failed',
      "-10 1 file(s) outside the task's paths",
      '-15 code changed without a test added or changed',
    ]);
  });

  it('takes points for large diffs, many files, slow or missing verification, and no change at all; never below 0', () => {
    const files = Array.from({ length: 30 }, (_, i) => `src/f${i}.py`);
    const big = scoreQuality(
      facts({
        files: [...files, 'tests/test_f.py'],
        insertions: 1400,
        deletions: 200,
        addedLines: Array.from({ length: 9 }, () => '# FIXME'),
        checks: [passedCommand(16 * 60_000)],
      }),
    );
    expect(big.reasons).toEqual([
      '-25 huge diff (1600 lines)',
      '-10 31 files changed',
      '-20 9 TODO/FIXME added',
      '-10 verification took 16 min',
      '1 test file(s) added or changed',
    ]);
    expect(big.score).toBe(35);
    const empty = scoreQuality(
      facts({ files: [], insertions: 0, deletions: 0, addedLines: [], checks: [], passed: false }),
    );
    expect(empty.reasons).toEqual([
      '-30 gate failed',
      '-15 no file changed',
      '-10 no verification command ran',
    ]);
    const worst = scoreQuality(
      facts({
        files: ['a.ts', 'b.ts', 'c.ts', 'd.ts'],
        pathPatterns: ['src/**'],
        insertions: 5000,
        addedLines: Array.from({ length: 10 }, () => 'TODO'),
        checks: [],
        passed: false,
      }),
    );
    expect(worst.score).toBe(0);
  });

  it('knows test files across ecosystems', () => {
    for (const file of [
      'test/a.js',
      'src/__tests__/b.tsx',
      'pkg/x_test.go',
      'tests/test_api.py',
      'src/app.spec.ts',
      'spec/models/user_spec.rb',
      'src/FooTest.java',
    ])
      expect(isTestFile(file), file).toBe(true);
    for (const file of ['src/app.ts', 'src/contest.py', 'latest/x.js', 'README.md'])
      expect(isTestFile(file), file).toBe(false);
  });
});

describe('review trigger', () => {
  const settings = { every: 5, scoreDrop: 20 };
  it('is due every K attempts, never with every = 0', () => {
    expect(reviewDue(settings, 4, [90, 90, 90, 90])).toBeUndefined();
    expect(reviewDue(settings, 5, [90, 90, 90, 90, 90])).toBe('every');
    expect(reviewDue({ every: 0, scoreDrop: 20 }, 50, [])).toBeUndefined();
  });
  it('is due early when the rolling score drops by more than the threshold', () => {
    expect(reviewDue(settings, 3, [90, 95, 85, 60, 55, 60])).toBe('score-drop');
    expect(reviewDue(settings, 3, [90, 95, 85, 75, 70, 75])).toBeUndefined();
    // Too few scores to compare.
    expect(reviewDue(settings, 3, [95, 40, 40])).toBeUndefined();
  });
});

describe('review answer', () => {
  it('takes the last review JSON of the final message, with defaults for odd findings', () => {
    const text = `I read the diff.\n\`\`\`json\n${JSON.stringify({
      verdict: 'concerns',
      summary: ' Tests assert nothing. ',
      findings: [
        {
          severity: 'high',
          task_id: 'T3',
          file: 'test/a.test.ts',
          message: 'expect() without an assertion',
          fix: 'assert the sum; npm test fails before the fix',
        },
        { severity: 'urgent', message: 'odd severity becomes medium' },
        { severity: 'low', message: '' },
      ],
    })}\n\`\`\``;
    const answer = parseReview(text);
    expect(answer).toEqual({
      verdict: 'concerns',
      summary: 'Tests assert nothing.',
      findings: [
        {
          severity: 'high',
          taskId: 'T3',
          file: 'test/a.test.ts',
          message: 'expect() without an assertion',
          fix: 'assert the sum; npm test fails before the fix',
        },
        { severity: 'medium', message: 'odd severity becomes medium', fix: '' },
      ],
    });
    expect(formatFinding(answer!.findings[0]!)).toBe(
      '[high] T3 test/a.test.ts: expect() without an assertion — fix: assert the sum; npm test fails before the fix',
    );
  });
  it('is undefined without a verdict', () => {
    expect(parseReview('{"lesson": "not a review"}')).toBeUndefined();
    expect(parseReview('no json at all')).toBeUndefined();
  });
});
