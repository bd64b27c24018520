import { testDrivers as kitTestDrivers } from '@basis/service-kit/test';
import { openDatabase } from '../../src/db/client.js';

/** Every driver the shared suite runs on: PGlite always, a fresh PostgreSQL database when `TEST_DATABASE_URL` is set. */
export const testDrivers = kitTestDrivers(openDatabase, 'truncate table posts restart identity');
