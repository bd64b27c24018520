import { runService } from '@basis/service-kit';
import { shutdownDrainMs } from '@basis/service-kit/env';
import { startTracing } from '@basis/service-kit/tracing';
import { ensureBootstrapAdmin } from './bootstrap.js';
import { openDatabase } from './db/client.js';
import { loadEnv } from './env.js';
import { UsersRepository } from './repositories/users.js';
import { buildServer } from './server.js';

/**
 * Starts the users service: parses the environment (exit 1 with one line naming a bad variable),
 * starts tracing when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (before the server exists, so it is traced),
 * opens and migrates the database, ensures the bootstrap admin, listens, and on SIGTERM/SIGINT stops
 * accepting, finishes in-flight calls, closes the database and exits 0 (the kit's `runService`).
 */
runService('users', async () => {
  const env = loadEnv();
  // posts polls users' event feed every ~0.5 s: no root trace per poll (it would bury the real ones).
  await startTracing('users', env, { untracedPaths: ['/trpc/events.feed'] });
  const db = await openDatabase({ databaseUrl: env.DATABASE_URL, pgliteDataDir: env.PGLITE_DATA_DIR });
  const app = await buildServer({ env, db });
  for (const warning of env.warnings) app.log.warn(warning);
  app.log.info({ driver: db.driver }, 'database ready');

  if (env.BOOTSTRAP_ADMIN_EMAIL && env.BOOTSTRAP_ADMIN_PASSWORD) {
    const { user, created } = await ensureBootstrapAdmin(new UsersRepository(db.db), {
      email: env.BOOTSTRAP_ADMIN_EMAIL,
      password: env.BOOTSTRAP_ADMIN_PASSWORD,
    });
    app.log.info({ userId: user.id, created }, 'bootstrap admin ensured');
  }
  return { app, port: env.PORT, host: env.HOST, close: db.close, drainMs: shutdownDrainMs(env) };
});
