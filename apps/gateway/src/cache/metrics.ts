import { Counter, Gauge, type Registry } from 'prom-client';
import type { CacheOutcome } from './response-cache.js';

/** The response cache's and the idempotency store's Prometheus series. */
export interface CacheMetrics {
  /** One cached read of `route` (`GET /posts/{id}`): a hit, a miss (one upstream call) or a stale answer. */
  countRead(route: string, outcome: CacheOutcome): void;
  /** One invalidation by a mutation of `route` (`PATCH /posts/{id}`). */
  countInvalidation(route: string): void;
  /** One Redis error seen by the cache's clients (`component`: `cache` or `idempotency`); memory serves meanwhile. */
  countRedisError(component: string): void;
  /** Whether the cache's Redis is usable now (1) or the cache runs on memory only (0). */
  setRedisUp(up: boolean): void;
}

/**
 * Registers `basis_gateway_cache_reads_total{route,outcome}`,
 * `basis_gateway_cache_invalidations_total{route}`, `basis_gateway_cache_redis_errors_total{component}`
 * and `basis_gateway_cache_redis_up` in `registry` (the gateway's, served at `/metrics`).
 */
export function createCacheMetrics(registry: Registry): CacheMetrics {
  const reads = new Counter({
    name: 'basis_gateway_cache_reads_total',
    help: 'Cached route reads by route and outcome (hit, miss, stale)',
    labelNames: ['route', 'outcome'],
    registers: [registry],
  });
  const invalidations = new Counter({
    name: 'basis_gateway_cache_invalidations_total',
    help: 'Cache invalidations by the mutation route that caused them',
    labelNames: ['route'],
    registers: [registry],
  });
  const redisErrors = new Counter({
    name: 'basis_gateway_cache_redis_errors_total',
    help: 'Redis errors seen by the response cache and the idempotency store (memory serves meanwhile)',
    labelNames: ['component'],
    registers: [registry],
  });
  const redisUp = new Gauge({
    name: 'basis_gateway_cache_redis_up',
    help: 'Whether the cache Redis is usable (1) or the cache runs on memory only (0)',
    registers: [registry],
  });
  // One child per series, found by a string key: prom-client hashes a labels object on every inc.
  const readSeries = new Map<string, { inc(): void }>();
  return {
    countRead(route, outcome) {
      const name = `${outcome} ${route}`;
      let series = readSeries.get(name);
      if (!series) {
        series = reads.labels({ route, outcome });
        readSeries.set(name, series);
      }
      series.inc();
    },
    countInvalidation: (route) => invalidations.inc({ route }),
    countRedisError: (component) => redisErrors.inc({ component }),
    setRedisUp: (up) => redisUp.set(up ? 1 : 0),
  };
}
