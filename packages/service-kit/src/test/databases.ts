import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { DatabaseHandle, Schema } from '../db/client.js';

/** A database for one suite: opened fresh, dropped (PostgreSQL) or discarded (PGlite) on dispose. */
export interface TestDatabase<H extends DatabaseHandle = DatabaseHandle> extends AsyncDisposable {
  handle: H;
  /** Empties every table and restarts ids, so each test starts from nothing. */
  reset(): Promise<void>;
}

/** A driver a shared suite runs on; `postgres` only when `TEST_DATABASE_URL` is set. */
export interface TestDriver<H extends DatabaseHandle = DatabaseHandle> {
  name: 'pglite' | 'postgres';
  open(): Promise<TestDatabase<H>>;
}

/** How the service opens its database (its `openDatabase`, with its schema and migrations bound). */
export type OpenDatabase<TSchema extends Schema> = (options: {
  databaseUrl?: string | undefined;
  pgliteDataDir: string;
  poolSize?: number;
}) => Promise<DatabaseHandle<TSchema>>;

/** The URL of the PostgreSQL server to test against, or `undefined` to run on PGlite only. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;

/**
 * Creates `basis_test_<random>` through `adminUrl`, and returns its URL and a function dropping it (with force).
 * @param adminUrl a `postgres://` URL of a role allowed to create databases
 */
export async function createTemporaryDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `basis_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      try {
        await admin.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await admin.end();
      }
    },
  };
}

/**
 * Every driver a service's shared suite runs on: PGlite in memory always (nothing to drop), and, when
 * `TEST_DATABASE_URL` is set, a fresh PostgreSQL database per `open()` (created, migrated, dropped on dispose).
 * @param open the service's `openDatabase`
 * @param truncate the SQL that empties the service's tables, e.g. `truncate table posts restart identity cascade`
 */
export function testDrivers<TSchema extends Schema>(
  open: OpenDatabase<TSchema>,
  truncate: string,
): TestDriver<DatabaseHandle<TSchema>>[] {
  const wrap = (
    handle: DatabaseHandle<TSchema>,
    dispose: () => Promise<void>,
  ): TestDatabase<DatabaseHandle<TSchema>> => ({
    handle,
    reset: async () => {
      await handle.db.execute(truncate);
    },
    [Symbol.asyncDispose]: dispose,
  });
  const pglite = async () => {
    const handle = await open({ pgliteDataDir: 'memory://' });
    return wrap(handle, () => handle.close());
  };
  const postgresDriver = async (adminUrl: string) => {
    const database = await createTemporaryDatabase(adminUrl);
    let handle: DatabaseHandle<TSchema>;
    try {
      handle = await open({ databaseUrl: database.url, pgliteDataDir: 'memory://', poolSize: 20 });
    } catch (error) {
      await database.drop();
      throw error;
    }
    return wrap(handle, async () => {
      try {
        await handle.close();
      } finally {
        await database.drop();
      }
    });
  };
  const url = TEST_DATABASE_URL;
  return [
    { name: 'pglite', open: pglite },
    ...(url ? [{ name: 'postgres' as const, open: () => postgresDriver(url) }] : []),
  ];
}
