/**
 * gate/completion.ts: metric extraction and comparison, on strings.
 */
import { describe, expect, it } from 'vitest';
import {
  compareMetric,
  extractMetric,
  findJson,
  parseJsonPath,
  targetReached,
  type NumericCompletion,
} from '../../source/gate/completion.js';

const maximize: NumericCompletion = {
  kind: 'numeric',
  source: 'json_stdout',
  jsonPath: 'score',
  direction: 'maximize',
  minImprovement: 0,
};
const minimize: NumericCompletion = { ...maximize, direction: 'minimize' };

describe('parseJsonPath', () => {
  it('splits keys and indexes, tolerating a leading $.', () => {
    expect(parseJsonPath('metrics.scores[0].value')).toEqual(['metrics', 'scores', 0, 'value']);
    expect(parseJsonPath('$.a[2][1]')).toEqual(['a', 2, 1]);
    expect(parseJsonPath('[3]')).toEqual([3]);
  });
});

describe('findJson', () => {
  it('takes the whole stdout when it is JSON, pretty-printed or not', () => {
    expect(findJson('{\n  "a": 1\n}\n')).toEqual({ a: 1 });
  });
  it('takes the last line that is an object after log lines', () => {
    expect(findJson('Compiling...\n{"a": 1}\n{"a": 2}\ndone in 3s\n')).toEqual({ a: 2 });
  });
  it('ignores bare scalars and finds a pretty-printed report after logs', () => {
    expect(findJson('42\n{"a": 1}\n7\n')).toEqual({ a: 1 });
    expect(findJson('running\n{\n  "a": {\n    "b": 3\n  }\n}\n')).toEqual({ a: { b: 3 } });
  });
  it('returns undefined when there is none', () => {
    expect(findJson('no json here\n{broken')).toBeUndefined();
  });
});

describe('extractMetric', () => {
  it('reads a nested number', () => {
    expect(extractMetric('log\n{"metrics": {"runs": [{"ms": 12.5}]}}', 'metrics.runs[0].ms')).toEqual({
      ok: true,
      value: 12.5,
    });
  });
  it('accepts numeric strings', () => {
    expect(extractMetric('{"score": "0.93"}', 'score')).toEqual({ ok: true, value: 0.93 });
  });
  it('names a missing key and the keys found', () => {
    expect(extractMetric('{"metrics": {"acc": 1, "loss": 2}}', 'metrics.score')).toEqual({
      ok: false,
      reason: 'metrics.score: no key "score" in metrics (keys: acc, loss)',
    });
  });
  it('names a missing index', () => {
    const reading = extractMetric('{"runs": [1]}', 'runs[3]');
    expect(reading).toEqual({ ok: false, reason: 'runs[3]: runs has no [3]; found an array ([1])' });
  });
  it('rejects non-numbers naming what was found', () => {
    expect(extractMetric('{"score": null}', 'score')).toEqual({
      ok: false,
      reason: 'score is null (null), not a finite number',
    });
    expect(extractMetric('{"score": true}', 'score')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('a boolean') as string,
    });
    expect(extractMetric('{"score": {"x": 1}}', 'score')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('an object') as string,
    });
    expect(extractMetric('{"score": "fast"}', 'score')).toMatchObject({ ok: false });
  });
  it('says when stdout holds no JSON', () => {
    expect(extractMetric('', 'score')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('stdout was empty') as string,
    });
    expect(extractMetric('All good\n', 'score')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('"All good"') as string,
    });
  });
});

describe('compareMetric', () => {
  it('honours the direction', () => {
    expect(compareMetric(1, 2, maximize)).toBe('improved');
    expect(compareMetric(2, 1, maximize)).toBe('regressed');
    expect(compareMetric(1, 2, minimize)).toBe('regressed');
    expect(compareMetric(2, 1, minimize)).toBe('improved');
    expect(compareMetric(undefined, 5, minimize)).toBe('improved');
  });
  it('treats float noise as equal', () => {
    expect(compareMetric(0.3, 0.1 + 0.2, maximize)).toBe('equal');
    expect(compareMetric(5, 5, minimize)).toBe('equal');
  });
  it('counts a gain below minImprovement as equal', () => {
    const strict = { ...maximize, minImprovement: 0.1 };
    expect(compareMetric(1, 1.05, strict)).toBe('equal');
    expect(compareMetric(1, 1.1, strict)).toBe('improved');
    expect(compareMetric(1, 0.99, strict)).toBe('regressed');
  });
});

describe('targetReached', () => {
  it('compares with the target in the contract direction', () => {
    expect(targetReached(0.9, { ...maximize, target: 0.9 })).toBe(true);
    expect(targetReached(0.8, { ...maximize, target: 0.9 })).toBe(false);
    expect(targetReached(80, { ...minimize, target: 100 })).toBe(true);
    expect(targetReached(80, maximize)).toBe(false);
  });
});
