import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';

/** A database for one test file: opened fresh, dropped (PostgreSQL) or discarded (PGlite) on dispose. */
export interface TestDatabase extends AsyncDisposable {
  handle: DatabaseHandle;
  /** Empties every table and restarts ids, so each test starts from nothing. */
  reset(): Promise<void>;
}

/** A driver the shared suite runs on; `postgres` only when `TEST_DATABASE_URL` is set. */
export interface TestDriver {
  name: 'pglite' | 'postgres';
  open(): Promise<TestDatabase>;
}

const TRUNCATE = 'truncate table refresh_tokens, sessions, users restart identity cascade';

/** Opens PGlite in memory: nothing to drop afterwards. */
async function openPglite(): Promise<TestDatabase> {
  const handle = await openDatabase({ pgliteDataDir: 'memory://' });
  return {
    handle,
    reset: async () => {
      await handle.db.execute(TRUNCATE);
    },
    [Symbol.asyncDispose]: () => handle.close(),
  };
}

/** Creates `basis_test_<random>` through the admin URL, migrates it, and drops it (with force) on dispose. */
async function openPostgres(adminUrl: string): Promise<TestDatabase> {
  const name = `basis_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let handle: DatabaseHandle;
  try {
    handle = await openDatabase({ databaseUrl: url.toString(), pgliteDataDir: 'memory://', poolSize: 20 });
  } catch (error) {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
    throw error;
  }
  return {
    handle,
    reset: async () => {
      await handle.db.execute(TRUNCATE);
    },
    [Symbol.asyncDispose]: async () => {
      try {
        await handle.close();
      } finally {
        await admin.unsafe(`drop database if exists ${name} with (force)`);
        await admin.end();
      }
    },
  };
}

/** The URL of the PostgreSQL server to test against, or `undefined` to run on PGlite only. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;

/** Every driver the shared suite runs on: PGlite always, PostgreSQL when `TEST_DATABASE_URL` is set. */
export const testDrivers: TestDriver[] = [
  { name: 'pglite', open: openPglite },
  ...(TEST_DATABASE_URL ? [{ name: 'postgres' as const, open: () => openPostgres(TEST_DATABASE_URL) }] : []),
];
