import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { UpstreamOutcome } from '../upstream/errors.js';

/** The gateway's Prometheus metrics, in a registry of their own (one per gateway instance). */
export interface GatewayMetrics {
  registry: Registry;
  /** Records one upstream call: service name (`users`), procedure path (`internal.sessionActor`), outcome, duration in seconds. */
  observeUpstream(service: string, procedure: string, outcome: UpstreamOutcome, seconds: number): void;
  /**
   * Reports each upstream's circuit as `basis_gateway_upstream_circuit_open{service}` (1 open, 0 not),
   * read at every scrape.
   * @param circuits each service's name and whether its circuit is open now
   */
  watchCircuits(circuits: () => Iterable<[service: string, open: boolean]>): void;
  /** Counts one call refused by a rate limit, by the limit's name (`access`, `loginPerIp`, …). */
  countRateLimited(limit: string): void;
  /** Records one HTTP response: route template, method, status, duration in seconds. */
  observeHttp(route: string, method: string, status: number, seconds: number): void;
}

/**
 * Creates the registry: Node's default metrics (`basis_gateway_` prefix), an HTTP request
 * duration histogram labelled by route, method and status, and upstream call counts and
 * durations labelled by service (its declared name), procedure and outcome, each upstream's circuit state,
 * and the calls refused by each rate limit.
 */
export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'basis_gateway_' });
  const upstreamCalls = new Counter({
    name: 'basis_gateway_upstream_calls_total',
    help: 'Upstream calls by service, procedure and outcome',
    labelNames: ['service', 'procedure', 'outcome'],
    registers: [registry],
  });
  const upstreamDuration = new Histogram({
    name: 'basis_gateway_upstream_call_duration_seconds',
    help: 'Upstream call duration in seconds',
    labelNames: ['service', 'procedure', 'outcome'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'basis_gateway_http_request_duration_seconds',
    help: 'HTTP request duration in seconds by route, method and status',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'basis_gateway_rate_limit_rejections_total',
    help: 'Calls refused with 429 by a rate limit, by limit (access: per IP and email; refresh, loginPerIp, registerPerIp: per IP)',
    labelNames: ['limit'],
    registers: [registry],
  });
  let circuits: () => Iterable<[string, boolean]> = () => [];
  new Gauge({
    name: 'basis_gateway_upstream_circuit_open',
    help: 'Whether the circuit breaker of an upstream service is open (1) or not (0)',
    labelNames: ['service'],
    registers: [registry],
    collect() {
      for (const [service, open] of circuits()) this.set({ service }, open ? 1 : 0);
    },
  });
  return {
    registry,
    watchCircuits(source) {
      circuits = source;
    },
    observeUpstream(service, procedure, outcome, seconds) {
      const labels = { service, procedure, outcome };
      upstreamCalls.inc(labels);
      upstreamDuration.observe(labels, seconds);
    },
    countRateLimited(limit) {
      rateLimited.inc({ limit });
    },
    observeHttp(route, method, status, seconds) {
      httpDuration.observe({ route, method, status }, seconds);
    },
  };
}

/**
 * Times every response into the HTTP histogram and serves `GET /metrics` (Prometheus text).
 * The `route` label is the REST path template (`/api/v1/users/{id}`) or the Fastify route,
 * never the raw URL, so label cardinality stays bounded.
 * @param routeOf maps a request to its route label
 */
export function registerMetrics(
  app: FastifyInstance,
  metrics: GatewayMetrics,
  routeOf: (method: string, url: string, fastifyRoute: string | undefined) => string,
): void {
  // A callback hook, not an async one: no promise per response on the hot path.
  app.addHook('onResponse', (request, reply, done) => {
    const route = routeOf(request.method, request.url, request.routeOptions.url);
    metrics.observeHttp(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', async (_request, reply) => {
    void reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
