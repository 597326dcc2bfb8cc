/**
 * The engine bridge batches: a burst of events becomes one React update, not one per event.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  delete process.env['CI'];
});

import React from 'react';
import { Text } from 'ink';
import { cleanup, render } from 'ink-testing-library';
import { useEngine } from '../../source/ui/use-engine.js';
import { createFakeClient, makeLine } from './fake-client.js';
import { waitFor } from './helpers.js';

afterEach(() => cleanup());

describe('useEngine', () => {
  it('publishes a burst of 500 events in a handful of renders, and keeps agent output', async () => {
    const client = createFakeClient();
    let renders = 0;
    function Probe(): React.JSX.Element {
      const view = useEngine(client);
      renders += 1;
      return <Text>{`lines=${view.snapshot?.recent.length ?? 0} out=${view.outputLines('a1').length}`}</Text>;
    }
    const { lastFrame } = render(<Probe />);
    await waitFor(() => (lastFrame() ?? '').includes('lines=0'));
    const before = renders;
    for (let i = 0; i < 500; i += 1) {
      client.push({ type: 'line', line: makeLine(`line ${i}`) });
      client.push({ type: 'agent-output', agentId: 'a1', text: `out ${i}` });
    }
    await waitFor(() => (lastFrame() ?? '').includes('lines=200 out=500'));
    expect(renders - before).toBeLessThanOrEqual(3);
  });
});
