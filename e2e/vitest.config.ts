import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Six built processes and nginx start in beforeAll; on a loaded 2-core machine that takes a while.
    hookTimeout: 240_000,
    testTimeout: 60_000,
  },
});
