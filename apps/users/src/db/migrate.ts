import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

/**
 * Absolute path of the committed drizzle-kit migrations (`apps/users/drizzle`). Resolved from this
 * module's own location, which sits two levels below the app both as `src/db/migrate.ts` (tsx, vitest)
 * and as `dist/db/migrate.js` (node), so it works from either without depending on the process cwd.
 */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/**
 * Applies pending migrations to a PostgreSQL database over one dedicated connection (`max: 1`),
 * which is closed before returning; the service opens its pool afterwards.
 * @param url a `postgres://` connection string
 * @throws the driver's error when the database is unreachable or a migration fails
 * @see https://orm.drizzle.team/docs/migrations
 */
export async function migratePostgresDatabase(url: string): Promise<void> {
  const connection = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migratePostgres(drizzlePostgres({ client: connection }), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await connection.end({ timeout: 5 });
  }
}

/**
 * Applies pending migrations to a PGlite instance (PGlite is a single connection, so it migrates in place).
 * @param client an open PGlite instance
 * @throws when a migration fails
 */
export async function migratePgliteDatabase(client: PGlite): Promise<void> {
  await migratePglite(drizzlePglite({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
}
