import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
// Counts (and, with tracing on, traces) every query of every database opened here.
import './instrument.js';
import { migratePgliteDatabase, migratePostgresDatabase } from './migrate.js';

/** A drizzle schema module (`import * as schema from './db/schema.js'`). */
export type Schema = Record<string, unknown>;

/** The drizzle database every repository takes: drizzle's common PostgreSQL base, so both drivers fit. */
export type Database<TSchema extends Schema = Schema> = PgDatabase<PgQueryResultHKT, TSchema>;

/** An open, migrated database and how to check and close it. */
export interface DatabaseHandle<TSchema extends Schema = Schema> {
  db: Database<TSchema>;
  driver: 'postgres' | 'pglite';
  /** Most connections open at once: the postgres.js pool's `max`; 1 for PGlite (one embedded connection). */
  poolSize: number;
  /** Runs `select 1`; rejects when the database does not answer. */
  ping(): Promise<void>;
  /** Closes the pool (postgres.js, waiting up to 5 s for queries in flight) or the PGlite instance. */
  close(): Promise<void>;
}

/** Where the data lives: a PostgreSQL URL, or a PGlite data directory (`memory://` keeps nothing). */
export interface DatabaseOptions<TSchema extends Schema = Schema> {
  /** The service's drizzle schema. */
  schema: TSchema;
  /** Absolute path of the service's committed drizzle-kit migrations. */
  migrationsFolder: string;
  databaseUrl?: string | undefined;
  pgliteDataDir: string;
  /** Pool size for postgres.js; default 10. */
  poolSize?: number;
}

/**
 * postgres.js options that make a dead or stuck database fail fast instead of hanging callers: a
 * connection attempt gives up after 1 s (`connect_timeout`, seconds), a statement after 3 s
 * (`statement_timeout`, below the gateway's 5 s upstream timeout), idle connections are dropped after
 * 30 s and none lives over 10 min. A closed connection is retried after 50–150 ms (`backoff`, seconds),
 * not postgres.js's default exponential backoff shared by the whole pool (up to 20 s), during which
 * queued queries waited: users hung while PostgreSQL was down and stayed down seconds after it was back. A call that fails
 * this way raises a connection error, which the kit's error table answers with 503 (a statement timeout,
 * SQLSTATE 57014, stays an internal error: the gateway answers 502 rather than waiting into its 504).
 * @see https://github.com/porsager/postgres#connection-details
 */
export const FAIL_FAST = {
  connect_timeout: 1,
  backoff: () => 0.05 + Math.random() * 0.1,
  idle_timeout: 30,
  max_lifetime: 600,
  connection: { statement_timeout: 3000 },
} as const;

/** The PGlite data directory cannot be used: `message` names it and says why. */
export class DataDirectoryError extends Error {
  override readonly name = 'DataDirectoryError';
}

/** The `code` of a Node system error, if any. */
function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Makes sure `path` is a writable directory, creating it and its missing parents one level at a time.
 * Not `mkdir(path, { recursive: true })`: on Node 20 that loops forever when the kernel answers ENOENT
 * for a directory whose parent exists (anything under `/proc`), so the service hung at start, silently.
 * @param path an absolute path
 * @throws DataDirectoryError naming the path and the system error (ENOENT, EACCES, ENOTDIR, EROFS, …)
 */
export async function ensureWritableDirectory(path: string): Promise<void> {
  const refuse = (reason: string) =>
    new DataDirectoryError(`PGLITE_DATA_DIR ${path} is not a usable directory: ${reason}`);
  const missing: string[] = [];
  for (let current = path; ; current = dirname(current)) {
    try {
      if (!(await stat(current)).isDirectory()) throw refuse(`${current} is not a directory`);
      break;
    } catch (error) {
      if (error instanceof DataDirectoryError) throw error;
      if (errorCode(error) !== 'ENOENT' || dirname(current) === current)
        throw refuse(`cannot read ${current} (${errorCode(error)})`);
      missing.unshift(current);
    }
  }
  for (const directory of missing) {
    try {
      await mkdir(directory);
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw refuse(`cannot create ${directory} (${errorCode(error)})`);
    }
  }
  try {
    await access(path, constants.R_OK | constants.W_OK);
  } catch (error) {
    throw refuse(`not writable (${errorCode(error)})`);
  }
}

/**
 * Opens a service's database and applies its pending migrations before returning.
 * With `databaseUrl` it migrates over one dedicated connection, then opens a postgres.js pool;
 * without, it opens PGlite at `pgliteDataDir`, resolved against the process cwd (created if missing).
 * @throws DataDirectoryError when the PGlite directory cannot be created or written
 * @throws the driver's error when the database is unreachable or a migration fails
 */
export async function openDatabase<TSchema extends Schema>(
  options: DatabaseOptions<TSchema>,
): Promise<DatabaseHandle<TSchema>> {
  if (options.databaseUrl) return openPostgres(options, options.databaseUrl, options.poolSize ?? 10);
  return openPglite(options, options.pgliteDataDir);
}

async function openPostgres<TSchema extends Schema>(
  { schema, migrationsFolder }: DatabaseOptions<TSchema>,
  url: string,
  poolSize: number,
): Promise<DatabaseHandle<TSchema>> {
  await migratePostgresDatabase(url, migrationsFolder);
  const client = postgres(url, { max: poolSize, onnotice: () => {}, ...FAIL_FAST });
  const db: Database<TSchema> = drizzlePostgres({ client, schema });
  return {
    db,
    driver: 'postgres',
    poolSize,
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => client.end({ timeout: 5 }),
  };
}

async function openPglite<TSchema extends Schema>(
  { schema, migrationsFolder }: DatabaseOptions<TSchema>,
  dataDir: string,
): Promise<DatabaseHandle<TSchema>> {
  const inMemory = dataDir.startsWith('memory://');
  const location = inMemory ? dataDir : resolve(dataDir);
  if (!inMemory) await ensureWritableDirectory(location);
  const client = await PGlite.create(location);
  try {
    await migratePgliteDatabase(client, migrationsFolder);
  } catch (error) {
    await client.close();
    throw error;
  }
  const db: Database<TSchema> = drizzlePglite({ client, schema });
  return {
    db,
    driver: 'pglite',
    poolSize: 1,
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: async () => {
      if (!client.closed) await client.close();
    },
  };
}
