import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Opening PGlite and creating a PostgreSQL database happen in hooks; PGlite takes a few seconds to open.
    hookTimeout: 60_000,
    testTimeout: 30_000,
  },
});
