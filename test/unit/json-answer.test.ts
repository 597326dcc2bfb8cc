import { describe, expect, it } from 'vitest';
import { lastJsonAnswer } from '../../source/attempt/json-answer.js';
import { parseReflection } from '../../source/attempt/reflect.js';

describe('lastJsonAnswer', () => {
  it('takes the last object the reader accepts, skipping broken and unwanted ones', () => {
    const text = 'First {"lesson": "old"} then {"other": 1} and a broken {"lesson": } at the end';
    expect(lastJsonAnswer(text, (r) => (typeof r['lesson'] === 'string' ? r['lesson'] : undefined))).toBe(
      'old',
    );
    expect(lastJsonAnswer('no json here', () => 1)).toBeUndefined();
  });
});

describe('parseReflection', () => {
  it('reads the reflect template answer from prose with a code fence, keeping only allowed fields', () => {
    const text =
      'The test expects a greeting.\n```json\n{"lesson": " Return Hello, NAME! ", "steps": ["fix greet"], "notes": null, "verification": {"add_commands": ["node t.js", ""]}, "title": "ignored"}\n```';
    expect(parseReflection(text)).toEqual({
      lesson: 'Return Hello, NAME!',
      steps: ['fix greet'],
      notes: null,
      addCommands: ['node t.js'],
    });
  });

  it('gives nothing when no object has a lesson', () => {
    expect(parseReflection('{"steps": ["a"]}')).toBeUndefined();
  });
});
