import { type DriverSuite, type TestDriver, useServerOn as useKitServerOn } from '@basis/service-kit/test';
import type { DatabaseHandle } from '../../src/db/client.js';
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
