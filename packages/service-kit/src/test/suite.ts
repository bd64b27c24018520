import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { DatabaseHandle } from '../db/client.js';
import type { TestDatabase, TestDriver } from './databases.js';

/** The database and server of one driver's suite, readable from tests and hooks. */
export interface DriverSuite<H extends DatabaseHandle, S> {
  readonly database: TestDatabase<H>;
  readonly server: S;
}

/**
 * Registers, in the calling `describe`, one fresh database of `driver` with a server started on it
 * for the whole block (both closed afterwards, whatever happened), emptied before every test.
 * @param driver one of `testDrivers(…)`
 * @param start starts the service's server over the open database
 * @returns getters for the database and the server; they throw if read before `beforeAll` ran
 */
export function useServerOn<H extends DatabaseHandle, S extends AsyncDisposable>(
  driver: TestDriver<H>,
  start: (handle: H) => Promise<S>,
): DriverSuite<H, S> {
  let database: TestDatabase<H> | undefined;
  let server: S | undefined;
  beforeAll(async () => {
    database = await driver.open();
    server = await start(database.handle);
  });
  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
    await database?.[Symbol.asyncDispose]();
  });
  beforeEach(async () => {
    await database?.reset();
  });
  return {
    get database() {
      if (!database) throw new Error('the suite database is opened in beforeAll');
      return database;
    },
    get server() {
      if (!server) throw new Error('the suite server is started in beforeAll');
      return server;
    },
  };
}
