import { runService } from '@basis/service-kit';
import { openDatabase } from './db/client.js';
import { loadEnv } from './env.js';
import { buildServer } from './server.js';

/**
 * Starts the posts service: parses the environment (exit 1 with one line naming a bad variable),
 * opens and migrates its database, listens, and on SIGTERM/SIGINT stops accepting, finishes in-flight
 * calls, closes the database and exits 0 (the kit's `runService`).
 */
runService('posts', async () => {
  const env = loadEnv();
  const db = await openDatabase({ databaseUrl: env.DATABASE_URL, pgliteDataDir: env.PGLITE_DATA_DIR });
  const app = await buildServer({ env, db });
  for (const warning of env.warnings) app.log.warn(warning);
  app.log.info({ driver: db.driver }, 'database ready');
  return { app, port: env.PORT, host: env.HOST, close: db.close, drainMs: env.SHUTDOWN_DRAIN_MS };
});
