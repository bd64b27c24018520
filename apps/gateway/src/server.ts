import { readFileSync } from 'node:fs';
import { usersInternalContract } from '@basis/contracts';
import { createCredentialMinter } from '@basis/service-kit/credentials';
import type { AnyTRPCRouter, TRPCError } from '@trpc/server';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import { type AccessTokenOptions, createAccessTokenVerifier } from './auth/access-tokens.js';
import { readBearer } from './auth/bearer.js';
import { documentJwks, registerJwks } from './auth/jwks.js';
import {
  type AuthRateLimitOptions,
  countPerIp,
  createAuthRateLimiter,
  DEFAULT_AUTH_RATE_LIMIT,
  untilRedisReady,
} from './auth/rate-limit.js';
import { createSessionVerifier } from './auth/sessions.js';
import { loadSigningKeys } from './auth/signing-keys.js';
import { createCacheMetrics } from './cache/metrics.js';
import { openCacheRedis } from './cache/redis.js';
import { requestCache } from './cache/request.js';
import { createResponseCache } from './cache/response-cache.js';
import { registerDocs } from './docs/index.js';
import { type Env, serviceUrls } from './env.js';
import { registerCors } from './http/cors.js';
import { clientErrorHandler, registerErrorEnvelope } from './http/error-envelope.js';
import { registerHealth } from './http/health.js';
import { createIdempotencyStore } from './http/idempotency.js';
import { loggerOptions, registerRequestLog } from './http/logging.js';
import { trackMethodNotAllowed } from './http/method-not-allowed.js';
import { createMetrics, registerMetrics } from './http/metrics.js';
import { MAX_PARAM_LENGTH, registerRequestNormalization, rewriteRequestUrl } from './http/normalize-request.js';
import { registerRequestGuards } from './http/request-guards.js';
import { registerRequestId, requestIdFor } from './http/request-id.js';
import { trpcResponseMeta } from './http/response-meta.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { registerTrpcEndpoint } from './http/trpc-endpoint.js';
import { buildOpenApiDocument, REST_BASE_PATH } from './openapi.js';
import { registerRestRoutes, templateOf, tokenProcedures } from './rest/routes.js';
import { appRouter } from './router.js';
import { services } from './services.js';
import { type GatewayContext, mergeRouters, router } from './trpc.js';
import type { UpstreamOptions } from './upstream/client.js';
import { createUpstreams } from './upstream/registry.js';

/** The largest request body accepted, in bytes (1 MiB); larger ones get 413. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Everything {@link buildGateway} needs; only `env` is required. */
export interface GatewayOptions {
  env: Env;
  /**
   * Limits on the `auth.access` and `auth.refresh` procedures ({@link DEFAULT_AUTH_RATE_LIMIT} by
   * default) and the per-IP ones (`RATE_LIMIT_LOGIN_PER_IP`, `RATE_LIMIT_REGISTER_PER_IP` by default).
   */
  authRateLimit?: Omit<AuthRateLimitOptions, 'redis'>;
  /** Circuit breaker tuning for every upstream client. */
  breaker?: UpstreamOptions['breaker'];
  /** Per-service timeouts in milliseconds, over the declared ones (e.g. `{ posts: 300 }` in tests). */
  upstreamTimeoutsMs?: Record<string, number>;
  /**
   * Extra routers mounted beside the published ones (REST, OpenAPI and tRPC alike), e.g. a
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
 * Builds the gateway (not yet listening): REST under `/api/v1` (compiled routes, rest/routes.ts), the same
 * router under `/trpc`, `GET /openapi.json` with `/docs` and `/redoc`, `/healthz`, `/readyz`, `/metrics`, with the
 * error envelope, request ids, auth rate limits, CORS and security headers. Nothing connects
 * to any upstream service at start, so it starts whatever state they are in.
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
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Dot segments and duplicate slashes resolved; absolute-form targets, malformed percent-encoding
    // and overlong segments answered in the envelope, before routing (http/normalize-request.ts).
    rewriteUrl: rewriteRequestUrl,
    // X-Forwarded-For counts only from the proxies TRUST_PROXY names (client IP for rate limits).
    // A hop count n trusts the n nearest hops, as Fastify's (untyped) numeric option does.
    trustProxy:
      typeof env.TRUST_PROXY === 'number'
        ? (() => {
            const hops = env.TRUST_PROXY;
            return (_address: string, hop: number) => hop < hops;
          })()
        : env.TRUST_PROXY,
    // What Node's HTTP parser refuses (431, 400) gets the error envelope too.
    clientErrorHandler,
  });

  // Every route registered from here on is a known path: its other methods answer 405 with Allow.
  const addMethodNotAllowed = trackMethodNotAllowed(app);

  // A request without Host gets the envelope from http/request-guards.ts, not Node's bare 400.
  (app.server as { requireHostHeader?: boolean }).requireHostHeader = false;

  const gatewayRouter = options.routers ? mergeRouters(appRouter, router(options.routers)) : appRouter;
  const metrics = createMetrics();
  // Every declared service (services.ts): its client, breaker, timeout, metrics label and probe.
  const upstreams = createUpstreams({
    services,
    urls: serviceUrls(env),
    defaultTimeoutMs: env.UPSTREAM_TIMEOUT_MS,
    minter: createCredentialMinter(env.SERVICE_CREDENTIALS),
    ...(options.breaker ? { breaker: options.breaker } : {}),
    ...(options.upstreamTimeoutsMs ? { timeoutsMs: options.upstreamTimeoutsMs } : {}),
    onOutcome: metrics.observeUpstream,
  });
  metrics.watchCircuits(() =>
    Object.entries(upstreams.byName).map(([name, upstream]) => [name, upstream.isCircuitOpen()] as [string, boolean]),
  );
  // Revocation on every route of every service: each protected call checks its session (≤ 2 s cache).
  const sessions = createSessionVerifier({
    lookup: (actor, requestId) =>
      upstreams.call({ actor: null, requestId }, usersInternalContract.sessionActor, {
        sessionId: actor.sessionId,
        userId: actor.id,
      }),
  });
  // Commands fail after one retry; while Redis is not ready the limiter counts in memory instead
  // (auth/rate-limit.ts): a Redis outage must neither lock every user out nor lift the limit.
  // ioredis (~2 MB of heap and its code) is loaded only when a Redis URL is configured.
  const redis = env.REDIS_URL
    ? new (await import('ioredis')).Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 1000 })
    : undefined;
  redis?.on('error', (error) => app.log.warn({ err: error }, 'redis error'));
  app.addHook('onClose', async () => {
    upstreams.close();
    redis?.disconnect();
  });

  // Response cache and idempotency keys (cache/*, http/idempotency.ts): memory, plus Redis when
  // configured, through clients of their own that fail fast while Redis is down.
  const cacheMetrics = createCacheMetrics(metrics.registry);
  const cacheRedis = env.REDIS_URL ? await openCacheRedis(env.REDIS_URL, app.log, cacheMetrics) : undefined;
  const responses = createResponseCache({
    ...(cacheRedis ? { redis: cacheRedis } : {}),
    metrics: cacheMetrics,
    log: app.log,
  });
  const idempotency = createIdempotencyStore({
    ...(cacheRedis ? { redis: cacheRedis.store } : {}),
    log: app.log,
    onRedisError: () => cacheMetrics.countRedisError('idempotency'),
  });
  app.addHook('onClose', async () => {
    await responses.close();
    cacheRedis?.bus.disconnect();
  });

  const rateLimits = createAuthRateLimiter({
    ...DEFAULT_AUTH_RATE_LIMIT,
    loginPerIpMax: env.RATE_LIMIT_LOGIN_PER_IP,
    registerPerIpMax: env.RATE_LIMIT_REGISTER_PER_IP,
    ...options.authRateLimit,
    ...(redis ? { redis } : {}),
    onReject: metrics.countRateLimited,
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
  const verifyAccessToken = createAccessTokenVerifier(tokens);

  /** The context of every procedure call, over REST and tRPC alike: who is calling, and with what. */
  const contextFor = (req: FastifyRequest, res: FastifyReply): GatewayContext => {
    const bearer = readBearer(req.headers.authorization);
    let actor: GatewayContext['actor'] = null;
    let credentials: GatewayContext['credentials'] = bearer.kind === 'malformed' ? 'invalid' : bearer.kind;
    if (bearer.kind === 'token') {
      try {
        actor = verifyAccessToken(bearer.token);
      } catch (error) {
        credentials = 'invalid';
        req.log.info({ reason: error instanceof Error ? error.message : 'invalid' }, 'access token refused');
      }
    }
    return {
      requestId: req.id,
      actor,
      credentials,
      upstreams,
      sessions,
      setResponseHeader: (name, value) => void res.header(name, value),
      tokens,
      clientIp: req.ip,
      rateLimits,
      log: req.log,
      cache: requestCache(responses, req, res),
    };
  };

  /** Counts a call against its per-IP limit (auth/rate-limit.ts), before it runs. */
  const beforeCall = (ctx: GatewayContext, procedure: string) =>
    countPerIp(rateLimits, procedure, ctx.clientIp, (error) =>
      ctx.log.warn({ err: error, procedure }, 'rate limiter failed; call let through'),
    );

  /** tRPC's context: every call of a batch is counted before any runs (a batch over a limit fails whole). */
  const createTrpcContext = async ({
    req,
    res,
    info,
  }: {
    req: FastifyRequest;
    res: FastifyReply;
    info: { calls: { path: string }[] };
  }) => {
    const ctx = contextFor(req, res);
    for (const call of info.calls) await beforeCall(ctx, call.path);
    return ctx;
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
  registerSecurityHeaders(app);
  if (env.CORS_ORIGINS.length > 0) await registerCors(app, env.CORS_ORIGINS);
  // After the request id, security headers and CORS, so its refusals carry them.
  registerRequestGuards(app);
  // REST routes are labelled by their template (`/api/v1/users/{id}`), never by the raw URL.
  // One label per registered route (a bounded set), computed on its first request.
  const routeLabels = new Map<string, string>();
  registerMetrics(app, metrics, (_method, _url, fastifyRoute) => {
    if (fastifyRoute === undefined) return 'unmatched';
    let label = routeLabels.get(fastifyRoute);
    if (label === undefined) {
      label = fastifyRoute.startsWith(`${REST_BASE_PATH}/`) ? templateOf(fastifyRoute) : fastifyRoute;
      routeLabels.set(fastifyRoute, label);
    }
    return label;
  });
  registerHealth(app, upstreams);

  const document = documentJwks(buildOpenApiDocument(gatewayRouter, packageVersion()));
  app.get('/openapi.json', async () => document);
  registerJwks(app, signingKeys);
  await registerDocs(app, document);

  // REST: one compiled Fastify route per published procedure (rest/routes.ts).
  await registerRestRoutes(app, {
    router: gatewayRouter,
    basePath: REST_BASE_PATH,
    createContext: contextFor,
    beforeCall,
    onError,
    idempotency,
  });
  await registerTrpcEndpoint(app, '/trpc', {
    router: gatewayRouter,
    createContext: createTrpcContext,
    responseMeta: trpcResponseMeta(tokenProcedures(gatewayRouter)),
    onError,
  });
  await addMethodNotAllowed();
  return app;
}
