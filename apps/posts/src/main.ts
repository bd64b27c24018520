import { metricsRegistryOf, runService } from '@basis/service-kit';
import { createCredentialMinter } from '@basis/service-kit/credentials';
import { shutdownDrainMs } from '@basis/service-kit/env';
import { startTracing } from '@basis/service-kit/tracing';
import { openDatabase } from './db/client.js';
import { loadEnv } from './env.js';
import { registerFeedMetrics } from './events/metrics.js';
import { startUserEventsPoller } from './events/poller.js';
import { UserEventsConsumer } from './repositories/user-events.js';
import { buildServer } from './server.js';

/**
 * Starts the posts service: parses the environment (exit 1 with one line naming a bad variable),
 * starts tracing when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (before the server exists, so it is traced),
 * opens and migrates its database, starts consuming user events from `USERS_SERVICE_URL`, listens, and
 * on SIGTERM/SIGINT stops accepting, finishes in-flight calls, stops the consumer, closes the database
 * and exits 0 (the kit's `runService`).
 */
runService('posts', async () => {
  const env = loadEnv();
  // posts polls users' event feed every ~0.5 s: no root trace per poll (it would bury the real ones).
  await startTracing('posts', env, { untracedPaths: ['/trpc/events.feed'] });
  const db = await openDatabase({ databaseUrl: env.DATABASE_URL, pgliteDataDir: env.PGLITE_DATA_DIR });
  const app = await buildServer({ env, db });
  for (const warning of env.warnings) app.log.warn(warning);
  app.log.info({ driver: db.driver }, 'database ready');
  const poller = startUserEventsPoller({
    usersUrl: env.USERS_SERVICE_URL,
    minter: createCredentialMinter(env.SERVICE_CREDENTIALS),
    consumer: new UserEventsConsumer(db.db),
    log: app.log,
  });
  registerFeedMetrics(metricsRegistryOf(app), poller);
  const close = async () => {
    await poller.stop();
    await db.close();
  };
  return { app, port: env.PORT, host: env.HOST, close, drainMs: shutdownDrainMs(env) };
});
