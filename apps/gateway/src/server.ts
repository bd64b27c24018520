import { readFileSync } from 'node:fs';
import helmet from '@fastify/helmet';
import type { AnyTRPCRouter, TRPCError } from '@trpc/server';
import { fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions, LogController } from 'fastify';
import { fastifyTRPCOpenApiPlugin } from 'trpc-to-openapi';
import { type AccessTokenOptions, verifyAccessToken } from './auth/access-tokens.js';
import { readBearer } from './auth/bearer.js';
import { documentJwks, registerJwks } from './auth/jwks.js';
import {
  type AuthRateLimitOptions,
  createAuthRateLimiter,
  DEFAULT_AUTH_RATE_LIMIT,
  untilRedisReady,
} from './auth/rate-limit.js';
import { loadSigningKeys } from './auth/signing-keys.js';
import { registerDocs } from './docs/index.js';
import type { Env } from './env.js';
import { registerCors } from './http/cors.js';
import { clientErrorHandler, registerErrorEnvelope } from './http/error-envelope.js';
import { registerHealth } from './http/health.js';
import { loggerOptions, registerRequestLog } from './http/logging.js';
import { createMetrics, registerMetrics } from './http/metrics.js';
import { normalizeUrl, registerRequestNormalization } from './http/normalize-request.js';
import { registerRequestId, requestIdFor } from './http/request-id.js';
import { restResponseMeta, trpcResponseMeta } from './http/response-meta.js';
import { buildOpenApiDocument, REST_BASE_PATH } from './openapi.js';
import { appRouter } from './router.js';
import { matchRoute, publishedRoutes } from './routers/published-routes.js';
import { type GatewayContext, mergeRouters, router } from './trpc.js';
import { createUsersClient, type UsersClientOptions } from './upstream/users-client.js';

/** The largest request body accepted, in bytes (1 MiB); larger ones get 413. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Everything {@link buildGateway} needs; only `env` is required. */
export interface GatewayOptions {
  env: Env;
  /** Limits on the `auth.access` and `auth.refresh` procedures; {@link DEFAULT_AUTH_RATE_LIMIT} by default. */
  authRateLimit?: Omit<AuthRateLimitOptions, 'redis'>;
  /** Circuit breaker tuning for the users client. */
  breaker?: UsersClientOptions['breaker'];
  /**
   * Extra routers mounted beside `users` and `auth` (REST, OpenAPI and tRPC alike), e.g. a
   * router generated from another contract with `fromContract`.
   */
  routers?: Record<string, AnyTRPCRouter>;
  /** Fastify's logger option; by default pino at `LOG_LEVEL` with secrets redacted. */
  logger?: FastifyServerOptions['logger'];
}

function packageVersion(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const version = (pkg as { version?: unknown }).version;
  return typeof version === 'string' ? version : '0.0.0';
}

/**
 * Builds the gateway (not yet listening): REST under `/api/v1` (trpc-to-openapi), the same
 * router under `/trpc`, `GET /openapi.json` with `/docs` and `/redoc`, `/healthz`, `/readyz`, `/metrics`, with the
 * error envelope, request ids, auth rate limits, CORS and security headers. Nothing connects
 * to the users service at start, so it starts whatever state that service is in.
 * @returns the Fastify instance; `listen` on it, `close` it when done (closes the upstream client and Redis)
 */
export async function buildGateway(options: GatewayOptions): Promise<FastifyInstance> {
  const { env } = options;
  const app = Fastify({
    logger: options.logger ?? loggerOptions(env.LOG_LEVEL, false),
    genReqId: requestIdFor,
    requestIdHeader: false,
    // One line per request instead of two, from registerRequestLog.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    // tRPC batch calls put every procedure path in the URL.
    routerOptions: { maxParamLength: 5000 },
    // Dot segments and duplicate slashes resolved before routing (http/normalize-request.ts).
    rewriteUrl: (req) => normalizeUrl(req.url ?? '/'),
    // What Node's HTTP parser refuses (431, 400) gets the error envelope too.
    clientErrorHandler,
  });

  const gatewayRouter = options.routers ? mergeRouters(appRouter, router(options.routers)) : appRouter;
  const routes = publishedRoutes(gatewayRouter);
  const metrics = createMetrics();
  const users = createUsersClient({
    baseUrl: env.USERS_SERVICE_URL,
    serviceTokenSecret: env.SERVICE_TOKEN_SECRET,
    timeoutMs: env.UPSTREAM_TIMEOUT_MS,
    ...(options.breaker ? { breaker: options.breaker } : {}),
    onOutcome: metrics.observeUpstream,
  });
  // Commands fail after one retry; while Redis is not ready the limiter counts in memory instead
  // (auth/rate-limit.ts): a Redis outage must neither lock every user out nor lift the limit.
  // ioredis (~2 MB of heap and its code) is loaded only when a Redis URL is configured.
  const redis = env.REDIS_URL
    ? new (await import('ioredis')).Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 1000 })
    : undefined;
  redis?.on('error', (error) => app.log.warn({ err: error }, 'redis error'));
  app.addHook('onClose', async () => {
    users.close();
    redis?.disconnect();
  });

  const rateLimits = createAuthRateLimiter({
    ...DEFAULT_AUTH_RATE_LIMIT,
    ...options.authRateLimit,
    ...(redis ? { redis } : {}),
  });
  if (redis && !(await untilRedisReady(redis, 1000))) {
    app.log.warn('redis is not ready: auth rate limits count in this process until it is');
  }

  // Access-token keys, made once (parseEnv has already refused a bad one, naming the variable).
  const signingKeys = loadSigningKeys({
    algorithm: env.JWT_ALGORITHM,
    secret: env.JWT_SECRET,
    privateKeyPem: env.JWT_PRIVATE_KEY,
    previousPublicKeysPem: env.JWT_PREVIOUS_PUBLIC_KEYS,
  });
  const tokens: AccessTokenOptions & { refreshTtlSeconds: number } = {
    keys: signingKeys,
    ttlSeconds: env.ACCESS_TOKEN_TTL,
    refreshTtlSeconds: env.REFRESH_TOKEN_TTL,
  };

  /** The context of every procedure call, over REST and tRPC alike: who is calling, and with what. */
  const createContext = ({ req }: { req: FastifyRequest }): GatewayContext => {
    const bearer = readBearer(req.headers.authorization);
    let actor: GatewayContext['actor'] = null;
    let credentials: GatewayContext['credentials'] = bearer.kind === 'malformed' ? 'invalid' : bearer.kind;
    if (bearer.kind === 'token') {
      try {
        actor = verifyAccessToken(bearer.token, tokens);
      } catch (error) {
        credentials = 'invalid';
        req.log.info({ reason: error instanceof Error ? error.message : 'invalid' }, 'access token refused');
      }
    }
    return {
      requestId: req.id,
      actor,
      credentials,
      upstreams: { users },
      tokens,
      clientIp: req.ip,
      rateLimits,
      log: req.log,
    };
  };

  const onError = ({ error, path, req }: { error: TRPCError; path?: string | undefined; req: { log?: unknown } }) => {
    const log = (req as FastifyRequest).log;
    if (error.code === 'INTERNAL_SERVER_ERROR' || error.code === 'BAD_GATEWAY') {
      log.error({ err: error.cause ?? error, path, code: error.code }, 'procedure failed');
    } else {
      log.info(
        { path, code: error.code, reason: error.cause instanceof Error ? error.cause.message : undefined },
        'procedure refused',
      );
    }
  };

  registerRequestId(app);
  registerRequestNormalization(app);
  registerRequestLog(app);
  registerErrorEnvelope(app);
  // Helmet's defaults on every response; /docs and /redoc set their own CSP (docs/csp.ts).
  await app.register(helmet, { global: true });
  if (env.CORS_ORIGINS.length > 0) await registerCors(app, env.CORS_ORIGINS);
  registerMetrics(app, metrics, (method, url, fastifyRoute) => {
    if (fastifyRoute !== `${REST_BASE_PATH}/*`) return fastifyRoute ?? 'unmatched';
    // The REST adapter strips the base path from the request URL before this hook runs.
    const full = url.split('?', 1)[0] ?? '';
    const path = full.startsWith(`${REST_BASE_PATH}/`) ? full.slice(REST_BASE_PATH.length) : full;
    const route = matchRoute(routes, method, path);
    return route ? `${REST_BASE_PATH}${route.rest.path}` : 'unmatched';
  });
  registerHealth(app, { usersServiceUrl: env.USERS_SERVICE_URL, timeoutMs: env.UPSTREAM_TIMEOUT_MS });

  const document = documentJwks(buildOpenApiDocument(gatewayRouter, packageVersion()));
  app.get('/openapi.json', async () => document);
  registerJwks(app, signingKeys);
  await registerDocs(app, document);

  await app.register(fastifyTRPCOpenApiPlugin, {
    basePath: REST_BASE_PATH,
    router: gatewayRouter,
    createContext,
    responseMeta: restResponseMeta(routes),
    onError,
  });
  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: { router: gatewayRouter, createContext, responseMeta: trpcResponseMeta, onError },
  });

  // 204 answers carry no body, so no content-type either (the REST adapter always sets one).
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode === 204) reply.removeHeader('content-type');
    return payload;
  });
  return app;
}
