import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { CacheMetrics } from './metrics.js';

/** The cache's Redis clients: a fail-fast one for entries and idempotency records, one the bus duplicates. */
export interface CacheRedis {
  /** Commands fail at once while Redis is down (no offline queue): a request never waits for Redis. */
  store: Redis;
  /** Never connects itself (`lazyConnect`): the bus duplicates it into its publisher and subscriber. */
  bus: Redis;
}

/**
 * Opens the cache's Redis clients on `url`, logs each switch between Redis and memory-only (once per
 * change, not per failed command), counts errors and keeps `basis_gateway_cache_redis_up` current.
 * Waits at most `readyMs` for the first connection, so a replica starts whether Redis is up or not.
 * @param url `REDIS_URL`
 */
export async function openCacheRedis(
  url: string,
  log: FastifyBaseLogger,
  metrics: CacheMetrics,
  readyMs = 1000,
): Promise<CacheRedis> {
  const { Redis } = await import('ioredis');
  const store = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 1000 });
  const bus = new Redis(url, { lazyConnect: true, connectTimeout: 1000 });
  // The bus transport (@boringnode/bus) duplicates this client, publisher first, subscriber second,
  // and listens to neither's errors. The publisher fails fast while Redis is down (bentocache keeps
  // the message in its retry queue); the subscriber waits for Redis however long it takes, and
  // resubscribes after an outage: bentocache does not await its subscription, so a rejected one
  // would be an unhandled rejection.
  const duplicate = bus.duplicate.bind(bus);
  let copies = 0;
  bus.duplicate = () => {
    copies += 1;
    const copy = duplicate(
      copies === 1
        ? { lazyConnect: false, enableOfflineQueue: false, maxRetriesPerRequest: 0 }
        : { lazyConnect: false, maxRetriesPerRequest: null },
    );
    copy.on('error', () => metrics.countRedisError('cache-bus'));
    return copy;
  };
  let up = false;
  metrics.setRedisUp(false);
  store.on('ready', () => {
    up = true;
    metrics.setRedisUp(true);
    log.info('cache: redis ready, caching in memory and redis');
  });
  store.on('error', (error: Error) => {
    metrics.countRedisError('cache');
    if (up) log.warn({ err: error }, 'cache: redis unavailable, caching in memory only until it is back');
    up = false;
    metrics.setRedisUp(false);
  });
  store.on('close', () => {
    if (up) log.warn('cache: redis connection closed, caching in memory only until it is back');
    up = false;
    metrics.setRedisUp(false);
  });
  if (store.status !== 'ready') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, readyMs);
      store.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  if (!up) log.warn('cache: redis is not ready, caching in memory only until it is');
  return { store, bus };
}
