import type { AnyRouter } from '@trpc/server';
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { queryStats } from '../db/stats.js';

/** Prefix of every metric a service built with the kit serves (its name is the `service` label). */
export const SERVICE_METRICS_PREFIX = 'basis_service_';

/** The database facts `/metrics` reports (a `DatabaseHandle` fits). */
export interface DatabaseFacts {
  driver: 'postgres' | 'pglite';
  /** Most connections the pool opens (1 for PGlite). */
  poolSize: number;
}

/** Each server's registry, for the service's own metrics ({@link metricsRegistryOf}). */
const registries = new WeakMap<FastifyInstance, Registry>();

/**
 * The Prometheus registry a server built with `buildServiceServer` serves at `/metrics`, for the
 * service's own metrics (outbox, consumer).
 * @throws when `app` was not built by `buildServiceServer`
 */
export function metricsRegistryOf(app: FastifyInstance): Registry {
  const registry = registries.get(app);
  if (!registry) throw new Error('metricsRegistryOf: this server was not built with buildServiceServer');
  return registry;
}

/**
 * The `route` label of a request: for a tRPC call the procedure path (`users.byId`) when the router has
 * it, `batch` for several, `unknown` for a path it has not (so callers cannot grow the label set);
 * else the Fastify route (`/healthz`), or `unmatched`.
 */
function routeLabel(
  procedures: Readonly<Record<string, unknown>>,
  prefix: string,
  url: string,
  route: string | undefined,
): string {
  if (route !== `${prefix}/:path`) return route ?? 'unmatched';
  const path = url.slice(prefix.length + 1).split('?')[0] ?? '';
  if (path.includes(',') || path.includes('%2C')) return 'batch';
  return Object.hasOwn(procedures, path) ? path : 'unknown';
}

/**
 * Serves `GET /metrics` (Prometheus text, no credential: see the README) from a registry of this
 * server's own, labelled `service=<identity>`, with the `basis_service_` prefix:
 * - Node's default process metrics (CPU, memory, event loop lag, handles, GC);
 * - `http_request_duration_seconds{route, method, status}`, a histogram of every response, `route`
 *   being the tRPC procedure, never the raw URL;
 * - with `database`: `db_pool_max` (connections the pool may open), `db_queries_in_flight`,
 *   `db_queries_total{outcome}` and `db_query_seconds_total`, from the kit's query hook (every query of
 *   the process).
 * @param app the service's server, before it listens
 * @param options.identity the service's name (`users`), the `service` label
 * @param options.router the service's router: its procedure paths are the only `route` values of tRPC calls
 * @param options.prefix where tRPC is served (`/trpc`)
 * @param options.database the open database, if any
 * @returns the registry, also found with {@link metricsRegistryOf}
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/
 */
export function registerServiceMetrics(
  app: FastifyInstance,
  options: { identity: string; router: AnyRouter; prefix: string; database?: DatabaseFacts | undefined },
): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.identity });
  registries.set(app, registry);
  collectDefaultMetrics({ register: registry, prefix: SERVICE_METRICS_PREFIX });
  const http = new Histogram({
    name: `${SERVICE_METRICS_PREFIX}http_request_duration_seconds`,
    help: 'HTTP request duration in seconds, by route (the tRPC procedure path, batch or unknown; else the route), method and status',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const procedures = options.router._def.procedures as Record<string, unknown>;
  app.addHook('onResponse', async (request, reply) => {
    const route = routeLabel(procedures, options.prefix, request.url, request.routeOptions.url);
    http.observe({ route, method: request.method, status: reply.statusCode }, reply.elapsedTime / 1000);
  });

  const { database } = options;
  if (database) {
    new Gauge({
      name: `${SERVICE_METRICS_PREFIX}db_pool_max`,
      help: 'Most database connections the pool may open (postgres.js max; 1 for embedded PGlite), by driver',
      labelNames: ['driver'],
      registers: [registry],
    }).set({ driver: database.driver }, database.poolSize);
    new Gauge({
      name: `${SERVICE_METRICS_PREFIX}db_queries_in_flight`,
      help: 'Database queries sent and not yet answered (running, or waiting for a pool connection)',
      registers: [registry],
      collect() {
        this.set(queryStats.inFlight);
      },
    });
    new Counter({
      name: `${SERVICE_METRICS_PREFIX}db_queries_total`,
      help: 'Database queries answered (ok) or failed (error: SQL error, lost connection, statement timeout)',
      labelNames: ['outcome'],
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ outcome: 'ok' }, queryStats.succeeded);
        this.inc({ outcome: 'error' }, queryStats.failed);
      },
    });
    new Counter({
      name: `${SERVICE_METRICS_PREFIX}db_query_seconds_total`,
      help: 'Time spent in database queries, from send to answer, in seconds (divide by db_queries_total for the mean)',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(queryStats.seconds);
      },
    });
  }

  app.get('/metrics', async (_request, reply) => {
    void reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  return registry;
}
