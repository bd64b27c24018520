import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { TestDatabase, TestDriver } from './databases.js';
import { startServer, type TestServer } from './server.js';

/** The database and server of one driver's suite, readable from tests and hooks. */
export interface DriverSuite {
  readonly database: TestDatabase;
  readonly server: TestServer;
}

/**
 * Registers, in the calling `describe`, one fresh database of `driver` with a users server on it
 * for the whole block (both closed afterwards, whatever happened), emptied before every test.
 * @returns getters for the database and the server; they throw if read before `beforeAll` ran
 */
export function useServerOn(driver: TestDriver): DriverSuite {
  let database: TestDatabase | undefined;
  let server: TestServer | undefined;
  beforeAll(async () => {
    database = await driver.open();
    server = await startServer(database.handle);
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
