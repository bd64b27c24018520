import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Opening PGlite and creating a PostgreSQL database happen in hooks; argon2 makes some tests slow.
    hookTimeout: 60_000,
    testTimeout: 30_000,
  },
});
