import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests spawn real processes, ptys and git repos; two cores are shared, so cap the fan-out.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
