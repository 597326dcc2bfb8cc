import { describe, expect, it } from 'vitest';
import { summariseEvent } from '../../source/history/event-summary.js';

describe('summariseEvent', () => {
  it('names the tool once whether or not the backend already prefixed its input', () => {
    expect(summariseEvent({ type: 'tool-call', name: 'Bash', input: 'Bash: npm test' })).toEqual({
      text: '▸ Bash: npm test',
      action: 'Bash: npm test',
    });
    expect(summariseEvent({ type: 'tool-call', name: 'Write', input: 'hello.txt' })).toEqual({
      text: '▸ Write: hello.txt',
      action: 'Write: hello.txt',
    });
  });

  it('gives no line for usage and one line for a long text', () => {
    expect(summariseEvent({ type: 'usage', tokensIn: 1, tokensOut: 2 })).toBeUndefined();
    const line = summariseEvent({ type: 'text', text: `a\nb ${'x'.repeat(500)}` });
    expect(line?.text.includes('\n')).toBe(false);
    expect(line?.text.length).toBeLessThanOrEqual(240);
  });

  it('shows denials with the command and the reason', () => {
    expect(summariseEvent({ type: 'denied', command: 'git push', reason: 'agents never push' })?.text).toBe(
      'denied: git push — agents never push',
    );
  });
});
