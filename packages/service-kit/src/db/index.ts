/**
 * `@basis/service-kit/db`: a service's database, PGlite (embedded, the default) or PostgreSQL
 * (postgres.js), through drizzle-orm, migrated at open. Heavy dependencies live here only.
 */
export {
  type Database,
  type DatabaseHandle,
  type DatabaseOptions,
  DataDirectoryError,
  ensureWritableDirectory,
  openDatabase,
  type Schema,
} from './client.js';
export { migratePgliteDatabase, migratePostgresDatabase } from './migrate.js';
