import { closeGracefully } from '@basis/service-kit';
import { shutdownDrainMs } from '@basis/service-kit/env';
import { startTracing } from '@basis/service-kit/tracing';
import { EnvError, loadEnv } from './env.js';
import { setDraining } from './http/health.js';
import { loggerOptions, wantsPrettyLogs } from './http/logging.js';
import { publicUrls, startupBanner } from './http/public-urls.js';
import { buildGateway } from './server.js';

/**
 * Starts the gateway: parses the environment (exit 1 with a message naming each bad
 * variable), starts tracing when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, builds the server, listens on HOST:PORT, and on SIGTERM/SIGINT stops accepting,
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
  // Before the server is built: its routes and upstream calls are traced only if tracing is on by then.
  await startTracing('gateway', env);
  const pretty = wantsPrettyLogs(env.NODE_ENV);
  const app = await buildGateway({ env, logger: loggerOptions(env.LOG_LEVEL, pretty) });
  for (const warning of warnings) app.log.warn(warning);

  // SIGTERM/SIGINT: drain (`/readyz` 503 at once, `Connection: close` on every answer, still serving
  // for SHUTDOWN_DRAIN_MS: 0 by default in development), then stop accepting, close idle keep-alive
  // connections, finish in-flight requests, release resources and exit 0; 1 on an uncaught error (no
  // drain) or when closing takes over the drain plus the kit's CLOSE_TIMEOUT_MS (2.5 s).
  closeGracefully({ app, drainMs: shutdownDrainMs(env), setDraining });

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
