import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Integration suites each spawn a users service; keep start-up and shutdown out of the test timeout.
    hookTimeout: 60_000,
    testTimeout: 20_000,
  },
});
