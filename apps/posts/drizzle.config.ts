import { defineConfig } from 'drizzle-kit';

/** drizzle-kit settings: `npm run db:generate -w apps/posts` writes SQL migrations to `drizzle/`. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
