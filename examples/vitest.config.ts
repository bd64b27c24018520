import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starting users (PGlite, migrations) and two gateways happens in hooks; logins hash with argon2.
    hookTimeout: 120_000,
    testTimeout: 30_000,
  },
});
