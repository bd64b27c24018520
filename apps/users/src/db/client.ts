import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { migratePgliteDatabase, migratePostgresDatabase } from './migrate.js';
import * as schema from './schema.js';

/** The drizzle database every repository takes: drizzle's common PostgreSQL base, so both drivers fit. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

/** An open, migrated database and how to check and close it. */
export interface DatabaseHandle {
  db: Database;
  driver: 'postgres' | 'pglite';
  /** Runs `select 1`; rejects when the database does not answer. */
  ping(): Promise<void>;
  /** Closes the pool (postgres.js, waiting up to 5 s for queries in flight) or the PGlite instance. */
  close(): Promise<void>;
}

/** Where the data lives: a PostgreSQL URL, or a PGlite data directory (`memory://` keeps nothing). */
export interface DatabaseOptions {
  databaseUrl?: string | undefined;
  pgliteDataDir: string;
  /** Pool size for postgres.js; default 10. */
  poolSize?: number;
}

/**
 * Opens the users database and applies pending migrations before returning.
 * With `databaseUrl` it migrates over one dedicated connection, then opens a postgres.js pool;
 * without, it opens PGlite at `pgliteDataDir`, resolved against the process cwd (created if missing).
 * @throws the driver's error when the database is unreachable or a migration fails
 */
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 10);
  return openPglite(options.pgliteDataDir);
}

async function openPostgres(url: string, poolSize: number): Promise<DatabaseHandle> {
  await migratePostgresDatabase(url);
  const client = postgres(url, { max: poolSize, onnotice: () => {} });
  const db: Database = drizzlePostgres({ client, schema });
  return {
    db,
    driver: 'postgres',
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => client.end({ timeout: 5 }),
  };
}

async function openPglite(dataDir: string): Promise<DatabaseHandle> {
  const inMemory = dataDir.startsWith('memory://');
  const location = inMemory ? dataDir : resolve(dataDir);
  if (!inMemory) await mkdir(location, { recursive: true });
  const client = await PGlite.create(location);
  try {
    await migratePgliteDatabase(client);
  } catch (error) {
    await client.close();
    throw error;
  }
  const db: Database = drizzlePglite({ client, schema });
  return {
    db,
    driver: 'pglite',
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: async () => {
      if (!client.closed) await client.close();
    },
  };
}
