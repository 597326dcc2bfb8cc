import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    // Names the agent CLIs missing from the test cache, whose tests skip.
    globalSetup: ['test/support/cli-cache-notice.ts'],
    // Deadlines that bound waits, never judge results: a 2-core machine shared with other work
    // (CI runners, engineers' test runs) may run a real-process test 3-5 times slower than idle (10 times at load 10: three CIs at once).
    testTimeout: 360_000,
    hookTimeout: 360_000,
    // Tests spawn real processes, ptys and git repos; two cores are shared, so cap the fan-out.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
