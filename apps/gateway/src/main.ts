import closeWithGrace from 'close-with-grace';
import { EnvError, loadEnv } from './env.js';
import { loggerOptions, wantsPrettyLogs } from './http/logging.js';
import { publicUrls, startupBanner } from './http/public-urls.js';
import { buildGateway } from './server.js';

/**
 * Starts the gateway: parses the environment (exit 1 with a message naming each bad
 * variable), builds the server, listens on HOST:PORT, and on SIGTERM/SIGINT stops accepting,
 * finishes in-flight requests and exits 0.
 */
async function main(): Promise<void> {
  let parsed: ReturnType<typeof loadEnv>;
  try {
    parsed = loadEnv();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const { env, warnings } = parsed;
  const pretty = wantsPrettyLogs(env.NODE_ENV);
  const app = await buildGateway({ env, logger: loggerOptions(env.LOG_LEVEL, pretty) });
  for (const warning of warnings) app.log.warn(warning);

  // SIGTERM/SIGINT (or an uncaught error): stop accepting, finish in-flight requests, release
  // resources, then exit (0 on a signal, 1 on an error or when closing takes over 10 s).
  closeWithGrace({ delay: 10_000, logger: app.log }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'closing after an uncaught error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
  });

  await app.listen({ port: env.PORT, host: env.HOST });
  const bound = app.server.address();
  const urls = publicUrls(env.HOST, typeof bound === 'object' && bound !== null ? bound.port : env.PORT);
  // A terminal gets one clickable URL per line; JSON lines get them as fields.
  if (pretty) app.log.info(startupBanner(urls));
  else app.log.info({ urls }, `gateway listening on ${urls.origin}`);
}

main().catch((error: unknown) => {
  console.error('gateway failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
