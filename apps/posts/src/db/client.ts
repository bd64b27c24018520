import { fileURLToPath } from 'node:url';
import {
  type Database as KitDatabase,
  type DatabaseHandle as KitDatabaseHandle,
  openDatabase as openKitDatabase,
} from '@basis/service-kit/db';
import * as schema from './schema.js';

/**
 * Absolute path of the committed drizzle-kit migrations (`apps/posts/drizzle`). Resolved from this
 * module's own location, which sits two levels below the app both as `src/db/client.ts` (tsx, vitest)
 * and as `dist/db/client.js` (node), so it works from either without depending on the process cwd.
 */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** The drizzle database every posts repository takes. */
export type Database = KitDatabase<typeof schema>;

/** The posts database, open and migrated. */
export type DatabaseHandle = KitDatabaseHandle<typeof schema>;

/**
 * Opens the posts database (PostgreSQL at `databaseUrl`, else PGlite at `pgliteDataDir`) and applies
 * the posts migrations before returning.
 * @throws DataDirectoryError when the PGlite directory cannot be created or written
 * @throws the driver's error when the database is unreachable or a migration fails
 */
export function openDatabase(options: {
  databaseUrl?: string | undefined;
  pgliteDataDir: string;
  poolSize?: number;
}): Promise<DatabaseHandle> {
  return openKitDatabase({ ...options, schema, migrationsFolder: MIGRATIONS_FOLDER });
}
