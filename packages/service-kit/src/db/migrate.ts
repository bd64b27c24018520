import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

/**
 * Key of the session-level advisory lock held while migrating (PostgreSQL scopes advisory locks to
 * the current database, so users and posts never wait for each other).
 */
export const MIGRATION_LOCK_KEY = 0x6261_7369; // "basi"

/**
 * Applies pending migrations to a PostgreSQL database over one dedicated connection (`max: 1`),
 * which is closed before returning; the service opens its pool afterwards. Replicas starting
 * together take turns: each holds `pg_advisory_lock(MIGRATION_LOCK_KEY)` while it migrates, so the
 * first applies the migrations and the others find nothing pending (without it, two replicas on a
 * fresh database both ran `CREATE TABLE …` and one exited with a duplicate-key error).
 * @param url a `postgres://` connection string
 * @param migrationsFolder absolute path of the committed drizzle-kit migrations
 * @throws the driver's error when the database is unreachable or a migration fails
 * @see https://orm.drizzle.team/docs/migrations
 * @see https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS
 */
export async function migratePostgresDatabase(url: string, migrationsFolder: string): Promise<void> {
  const connection = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await connection`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await migratePostgres(drizzlePostgres({ client: connection }), { migrationsFolder });
  } finally {
    // Ending the session releases the lock too, also when the migration failed.
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
