import type { AnyRouter } from '@trpc/server';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { credentialOf, requireServiceCredential } from './auth/credential-hook.js';
import type { ServiceCredentials } from './credentials/keys.js';
import { createCredentialVerifier } from './credentials/verify.js';
import type { LogLevel } from './env.js';
import { rootCause } from './errors.js';
import { registerHealthRoutes } from './http/health.js';
import { type DatabaseFacts, registerServiceMetrics } from './http/metrics.js';
import { registerRequestIdHeader, requestIdOf } from './http/request-id.js';
import { registerTRPCRoute } from './http/trpc-route.js';
import { loggerOptions, registerRequestLog } from './logging/logger.js';
import type { ServiceContext } from './trpc.js';

/** Where every service serves tRPC. */
export const TRPC_PREFIX = '/trpc';

/** What {@link buildServiceServer} needs. */
export interface ServiceServerOptions<TRouter extends AnyRouter, TContext extends ServiceContext> {
  /** The parsed environment's shared part. */
  env: {
    LOG_LEVEL: LogLevel;
    NODE_ENV: 'development' | 'production' | 'test';
    SERVICE_CREDENTIALS: ServiceCredentials;
  };
  /** The service's `appRouter`. */
  router: TRouter;
  /** Adds the service's own fields (repositories, …) to the shared context of one call. */
  createContext: (base: ServiceContext) => TContext;
  /** The `/readyz` probe, usually the database's `ping`. */
  ready: () => Promise<void>;
  /** The open database (its `DatabaseHandle`), reported in `/metrics` (pool size, queries). */
  database?: DatabaseFacts | undefined;
  /** Where log lines go instead of stdout (tests read them); only with JSON logs, not pino-pretty. */
  logStream?: { write(line: string): void } | undefined;
  /**
   * Procedure paths a caller polls on a timer (users' `events.feed`): their `request completed` line goes at
   * `debug`, so a poll every second does not fill the log at `info`; their failures are logged as any other.
   */
  polledProcedures?: readonly string[];
}

/**
 * Whether a request calls only procedures of `polled` (`/trpc/<path>[,<path>…]?…`, a batch included).
 * @param url the request's URL
 * @param polled procedure paths, e.g. `events.feed`
 */
function callsOnly(url: string, polled: readonly string[]): boolean {
  const path = url.split('?')[0] ?? '';
  if (polled.length === 0 || !path.startsWith(`${TRPC_PREFIX}/`)) return false;
  return path
    .slice(TRPC_PREFIX.length + 1)
    .split(',')
    .every((procedure) => polled.includes(procedure));
}

/**
 * Builds a service's Fastify server (not yet listening): tRPC at `/trpc` behind the service credential
 * (`aud` = the service's identity, signed by a caller of `env.SERVICE_CREDENTIALS.callerKeys`: 401 with
 * `WWW-Authenticate: Bearer` and `data.reason` = SERVICE_TOKEN_REJECTED otherwise, before the procedure
 * is even resolved) and each procedure's allow-list (403, CALLER_NOT_ALLOWED), `GET /healthz`, `GET /readyz` and
 * `GET /metrics` (Prometheus text, http/metrics.ts; its registry is `metricsRegistryOf(app)`) without one, pino with
 * redaction and one `request completed` line per request (at `debug` for `polledProcedures`), and `x-request-id` on
 * every response (a valid incoming one is
 * kept, else a UUID). Procedure failures are logged: 500/503 at `error` with the cause, others at `info`.
 * @param options see {@link ServiceServerOptions}
 * @returns the Fastify instance; call `listen` on it, and close the database after `app.close()`
 */
export async function buildServiceServer<TRouter extends AnyRouter, TContext extends ServiceContext>(
  options: ServiceServerOptions<TRouter, TContext>,
): Promise<FastifyInstance> {
  const { env, router, createContext, ready, logStream, database, polledProcedures = [] } = options;
  const { identity, callerKeys } = env.SERVICE_CREDENTIALS;
  const verifier = createCredentialVerifier({ audience: identity, callerKeys });
  const logger = loggerOptions(env);
  const app = Fastify({
    logger: logStream && typeof logger === 'object' ? { ...logger, stream: logStream } : logger,
    requestIdHeader: false,
    // One line per request instead of two, from registerRequestLog.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdOf,
  });
  registerRequestIdHeader(app);
  registerRequestLog(app, (request) => callsOnly(request.url, polledProcedures));
  registerHealthRoutes(app, ready);
  registerServiceMetrics(app, { identity, router, prefix: TRPC_PREFIX, database });

  await app.register(async (trpc) => {
    trpc.addHook('onRequest', requireServiceCredential({ verifier, prefix: TRPC_PREFIX, router }));
    registerTRPCRoute(trpc, {
      prefix: TRPC_PREFIX,
      router,
      createContext: (req) => {
        const { caller, actor } = credentialOf(req);
        return createContext({ claimedActor: actor, caller, requestId: req.id, log: req.log });
      },
      onError({ error, path, req }) {
        if (error.code === 'INTERNAL_SERVER_ERROR' || error.code === 'SERVICE_UNAVAILABLE') {
          req.log.error({ err: rootCause(error), path, code: error.code }, 'procedure failed');
        } else {
          req.log.info({ path, code: error.code }, 'procedure refused');
        }
      },
    });
  });

  return app;
}
