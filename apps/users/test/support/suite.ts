import { type DriverSuite, type TestDriver, useServerOn as useKitServerOn } from '@basis/service-kit/test';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { startServer, type TestServer } from './server.js';

/**
 * Registers, in the calling `describe`, one fresh database of `driver` with a users server on it
 * for the whole block (both closed afterwards, whatever happened), emptied before every test.
 * @param options.actorCacheTtlMs how long the server reuses a live session's actor (its default otherwise)
 * @returns getters for the database and the server; they throw if read before `beforeAll` ran
 */
export function useServerOn(
  driver: TestDriver<DatabaseHandle>,
  options: { actorCacheTtlMs?: number } = {},
): DriverSuite<DatabaseHandle, TestServer> {
  return useKitServerOn(driver, (handle) => startServer(handle, options));
}

/** What {@link useLoggingServer} gives a suite. */
export interface LoggingServer {
  readonly db: DatabaseHandle;
  readonly server: TestServer;
  /** The server's log lines at `info` and above, parsed; emptied before every test. */
  readonly lines: Record<string, unknown>[];
}

/**
 * Registers, in the calling `describe`, a users server on a fresh in-memory PGlite that logs at `info` into
 * `lines` (both closed afterwards, whatever happened), for tests about what the service logs.
 * @param prepare runs on the database before the server starts (a trigger, for instance)
 * @returns getters for the database and the server; they throw if read before `beforeAll` ran
 */
export function useLoggingServer(prepare?: (db: DatabaseHandle) => Promise<void>): LoggingServer {
  let db: DatabaseHandle | undefined;
  let server: TestServer | undefined;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    db = await openDatabase({ pgliteDataDir: 'memory://' });
    await prepare?.(db);
    server = await startServer(db, { logLines: lines });
  });
  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
    await db?.close();
  });
  beforeEach(() => {
    lines.length = 0;
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useLoggingServer: read in a test or hook, after beforeAll');
    return value;
  };
  return {
    get db() {
      return started(db);
    },
    get server() {
      return started(server);
    },
    lines,
  };
}
