import { testDrivers as kitTestDrivers } from '@basis/service-kit/test';
import { openDatabase } from '../../src/db/client.js';

export { TEST_DATABASE_URL, type TestDatabase, type TestDriver } from '@basis/service-kit/test';

/** Empties every users table and restarts ids. */
const TRUNCATE = 'truncate table refresh_tokens, sessions, users, user_events restart identity cascade';

/** Every driver the shared suite runs on: PGlite always, a fresh PostgreSQL database when `TEST_DATABASE_URL` is set. */
export const testDrivers = kitTestDrivers(openDatabase, TRUNCATE);
