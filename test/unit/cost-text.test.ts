/** The cost people see: n/a where the CLI reports none, never a `$0.0000` that reads as free. */
import { describe, expect, it } from 'vitest';
import { costText } from '../../source/text.js';

describe('costText', () => {
  it('says n/a for a CLI that reports no cost, and dollars otherwise', () => {
    expect(costText('codex', 0)).toBe('cost n/a (codex reports none)');
    expect(costText('gemini', 0)).toBe('cost n/a (gemini reports none)');
    expect(costText('claude', 0)).toBe('$0.0000');
    expect(costText('claude', 0.0123)).toBe('$0.0123');
    expect(costText('sim', 0)).toBe('$0.0000');
  });
});
