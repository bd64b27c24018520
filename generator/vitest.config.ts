import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The scratch-copy test builds, typechecks and tests a generated service: minutes, not seconds.
    hookTimeout: 120_000,
    testTimeout: 240_000,
  },
});
