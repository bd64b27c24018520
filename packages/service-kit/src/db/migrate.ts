import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

/**
 * Applies pending migrations to a PostgreSQL database over one dedicated connection (`max: 1`),
 * which is closed before returning; the service opens its pool afterwards.
 * @param url a `postgres://` connection string
 * @param migrationsFolder absolute path of the committed drizzle-kit migrations
 * @throws the driver's error when the database is unreachable or a migration fails
 * @see https://orm.drizzle.team/docs/migrations
 */
export async function migratePostgresDatabase(url: string, migrationsFolder: string): Promise<void> {
  const connection = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migratePostgres(drizzlePostgres({ client: connection }), { migrationsFolder });
  } finally {
    await connection.end({ timeout: 5 });
  }
}

/**
 * Applies pending migrations to a PGlite instance (PGlite is a single connection, so it migrates in place).
 * @param client an open PGlite instance
 * @param migrationsFolder absolute path of the committed drizzle-kit migrations
 * @throws when a migration fails
 */
export async function migratePgliteDatabase(client: PGlite, migrationsFolder: string): Promise<void> {
  await migratePglite(drizzlePglite({ client }), { migrationsFolder });
}
