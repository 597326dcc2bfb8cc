import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    // Names the agent CLIs missing from the test cache, whose tests skip.
    globalSetup: ['test/support/cli-cache-notice.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests spawn real processes, ptys and git repos; two cores are shared, so cap the fan-out.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
