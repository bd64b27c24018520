/**
 * Database queries of this process, counted by the drizzle hook in db/instrument.ts (every query of
 * every database the process opened, PGlite and postgres.js alike). No driver import: the server's
 * `/metrics` reads it without loading a database driver.
 */
export const queryStats = {
  /** Queries sent and not yet answered. */
  inFlight: 0,
  /** Queries answered. */
  succeeded: 0,
  /** Queries that failed (the driver threw: SQL error, connection lost, statement timeout). */
  failed: 0,
  /** Total time of every finished query, from send to answer, in seconds. */
  seconds: 0,
};
