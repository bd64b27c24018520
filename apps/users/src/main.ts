import closeWithGrace from 'close-with-grace';
import { ensureBootstrapAdmin } from './bootstrap.js';
import { openDatabase } from './db/client.js';
import { EnvError, loadEnv, type UsersEnv } from './env.js';
import { rootCause } from './errors.js';
import { UsersRepository } from './repositories/users.js';
import { buildServer } from './server.js';

/**
 * Starts the users service: parses the environment (exit 1 with one line naming a bad variable),
 * opens and migrates the database, ensures the bootstrap admin, listens, and on SIGTERM/SIGINT stops
 * accepting, finishes in-flight calls, closes the database and exits 0.
 */
async function main(): Promise<void> {
  let env: UsersEnv;
  try {
    env = loadEnv();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(error.message);
    process.exit(1);
  }

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

  // SIGTERM/SIGINT (or an uncaught error): stop accepting, finish in-flight requests, release
  // resources, then exit (0 on a signal, 1 on an error or when closing takes over 10 s).
  closeWithGrace({ delay: 10_000, logger: app.log }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an uncaught error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
    await db.close();
  });

  const address = await app.listen({ port: env.PORT, host: env.HOST });
  app.log.info(`users service listening on ${address}`);
}

main().catch((error: unknown) => {
  const cause = rootCause(error);
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  const reason = cause instanceof Error ? cause.message : String(cause);
  console.error(`users service failed to start: ${reason}${typeof code === 'string' ? ` (${code})` : ''}`);
  process.exit(1);
});
