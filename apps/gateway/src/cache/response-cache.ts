import { type Actor, fillTag, type ProcedureContract } from '@basis/contracts';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { isOutage, UpstreamFailure } from '../upstream/errors.js';
import { deepFreeze, HotEntries } from './hot-entries.js';
import type { CacheMetrics } from './metrics.js';

/** How one read was served: from the cache, from the upstream, or stale from the cache because the upstream failed. */
export type CacheOutcome = 'hit' | 'miss' | 'stale';

/** The caller a private entry belongs to: its user id and role (an admin may see more than a user). */
type Caller = Pick<Required<Actor>, 'id' | 'role'> | null;

/** The gateway's response cache: read-through for routes with a policy, invalidation for mutations that declare it. */
export interface ResponseCache {
  /**
   * The answer of `contract` for `input`: from the cache while fresh, else from `load` (one call
   * for every concurrent miss of one key), stored when it succeeds. A contract without
   * `rest.cache`, or a private one without a caller, is passed to `load` as is.
   * A deliberate upstream error (404, 403, …) is never cached and never hidden by a stale entry;
   * an outage (503/504/502) serves the stale entry only within a grace period (`graceMs`, off by default).
   * @param note told how the read was served (hit, miss, stale), for the response header and log
   * @param fresh the client asked for `Cache-Control: no-cache`: answer from `load`, the entry untouched
   * @throws what `load` throws when nothing can be served
   */
  read<T>(
    contract: ProcedureContract,
    input: unknown,
    caller: Caller,
    load: () => Promise<T>,
    note?: (outcome: CacheOutcome) => void,
    fresh?: boolean,
  ): Promise<T>;
  /**
   * Drops every entry tagged with one of `contract.rest.invalidates` (filled from `input` and the
   * caller), here at once and on every replica sharing Redis through its bus. Never throws: a
   * Redis failure is logged and counted, and the memory tier is invalidated anyway.
   */
  invalidate(contract: ProcedureContract, input: unknown, callerId: number | null): Promise<void>;
  close(): Promise<void>;
}

/** Settings of {@link createResponseCache}. */
export interface ResponseCacheOptions {
  /** Redis for the second tier and the invalidation bus; memory only when absent. */
  redis?: {
    /** Fail-fast client (`enableOfflineQueue: false`) for the second tier: a Redis outage never waits. */
    store: Redis;
    /** A client the bus duplicates into its publisher and subscriber (it resubscribes after an outage). */
    bus: Redis;
  };
  metrics: CacheMetrics;
  log: FastifyBaseLogger;
  /** Entries kept in memory per replica; 10 000 by default. */
  maxEntries?: number;
  /**
   * Entries this replica loaded and serves in front of bentocache (cache/hot-entries.ts); 1 000 by
   * default. Held as objects, with their parsed output, JSON body and ETag: several times the size
   * of bentocache's JSON copy of an entry, so fewer of them.
   */
  hotEntries?: number;
  /**
   * How long an expired entry may still be served while its upstream fails (stale-if-error), in
   * milliseconds. Off (0) by default: SPEC maps an unreachable, slow or broken service to 503/504/502,
   * and a stale copy could hide a write that timed out but committed.
   */
  graceMs?: number;
}

/** A JSON text of `value` with object keys sorted, so that `{a,b}` and `{b,a}` name one entry. */
export function stableKey(value: unknown): string {
  if (value === undefined) return '';
  return flatStableKey(value) ?? JSON.stringify(value, sortedKeys);
}

function sortedKeys(_key: string, inner: unknown): unknown {
  if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
  return Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * {@link stableKey} of the usual input (`{ id: 7 }`, a page's query) without a replacer call per
 * value: a plain object of strings, numbers, booleans and nulls, no key starting with a digit
 * (JSON.stringify puts integer-like keys first). The same text as the general case; `undefined`
 * for anything else.
 */
function flatStableKey(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  let text = '';
  for (const key of keys) {
    const inner = object[key];
    const type = typeof inner;
    if (inner === undefined) continue;
    if (!(inner === null || type === 'string' || type === 'number' || type === 'boolean')) return;
    const first = key.charCodeAt(0);
    if (first >= 48 && first <= 57) return;
    text += `${text === '' ? '' : ','}${JSON.stringify(key)}:${JSON.stringify(inner)}`;
  }
  return `{${text}}`;
}

/** The label and key prefix of a route: `GET /posts/{id}`. */
export function routeName(contract: ProcedureContract): string {
  return contract.rest ? `${contract.rest.method} ${contract.rest.path}` : 'unpublished';
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/**
 * How bentocache names a tag's invalidation entry (`___bc:t:<tag>`, its TagSystem): a bus message
 * about such a key means the tag was invalidated on another replica.
 */
const TAG_KEY_PREFIX = '___bc:t:';

/** The less verbose of two pino level names. */
function quieter(a: string, b: string): string {
  return LEVELS.indexOf(a) > LEVELS.indexOf(b) ? a : b;
}

/** Whether an error is an upstream outage (upstream/errors.ts), for which a stale answer beats none. */
function isStaleWorthy(error: unknown): boolean {
  return error instanceof UpstreamFailure && isOutage(error);
}

/**
 * Creates the two-level response cache with bentocache: an LRU in memory (L1) and, with Redis, a
 * Redis tier (L2) plus a Redis pub/sub bus that tells every replica's L1 about new entries and tag
 * invalidations, so a write through one replica is seen by all at once. Keys are
 * `route|sorted JSON of the parsed input` (`|id:role` for private routes); tags come from the
 * contract's templates. Stampedes: concurrent misses of one key share one load (here, on top of
 * bentocache's lock, so that a failure is shared too instead of retried by each waiter). Redis
 * errors are suppressed by bentocache (with an L2 circuit breaker of 1 s) and counted here.
 *
 * Hits: an entry this replica loaded is also kept, deep-frozen, in front of bentocache
 * (cache/hot-entries.ts) until its TTL ends or bentocache's copy may have changed (an
 * invalidation here, a bus message from another replica), and a hit on it is a map lookup: a
 * bentocache hit costs ~15-30 µs of CPU (options object, op id, tag lookups through its own
 * getOrSet, JSON parse of the L1 copy), the largest share of a cached request. The same frozen
 * answer on every hit lets the pipeline and the REST route memoize what they derive from it (the
 * parsed output, the JSON body and its ETag). Entries loaded by another replica are served by
 * bentocache (their age is unknown here), as are stale ones.
 * @see https://bentocache.dev/docs/introduction
 */
export function createResponseCache(options: ResponseCacheOptions): ResponseCache {
  const { metrics, log } = options;
  const store = bentostore().useL1Layer(memoryDriver({ maxItems: options.maxEntries ?? 10_000 }));
  if (options.redis) {
    store
      .useL2Layer(redisDriver({ connection: options.redis.store, prefix: 'basis-gateway-cache' }))
      .useBus(redisBusDriver({ connection: options.redis.bus }));
  }
  const bento = new BentoCache({
    default: 'responses',
    stores: { responses: store },
    // bentocache logs each factory run at info: keep its warnings and errors only (Redis failures).
    logger: log.child({ component: 'cache' }, { level: quieter(log.level, 'warn') }),
    grace: options.graceMs ? options.graceMs : false,
    graceBackoff: 1000,
    // No stale-while-revalidate: an expired or invalidated entry waits for its upstream (a write is
    // read back at once); stale answers are served only when the upstream fails.
    timeout: 3_600_000,
    suppressL2Errors: true,
    l2CircuitBreakerDuration: 1000,
  });
  const inflight = new Map<string, Promise<{ value: unknown; outcome: CacheOutcome }>>();
  const hot = new HotEntries(options.hotEntries ?? 1_000);
  // Another replica wrote, expired or deleted a key, invalidated a tag (its `___bc:t:` key), or cleared.
  bento.on('bus:message:received', ({ message }) => {
    if (message.type === 'clear') hot.clear();
    else
      for (const key of message.keys) {
        if (key.startsWith(TAG_KEY_PREFIX)) hot.dropTag(key.slice(TAG_KEY_PREFIX.length));
        else hot.drop(key);
      }
  });

  async function load(
    key: string,
    contract: ProcedureContract,
    ttlMs: number,
    tags: string[],
    loader: () => Promise<unknown>,
  ): Promise<{ value: unknown; outcome: CacheOutcome }> {
    let loaded = false;
    let outage: unknown;
    let refused: { error: unknown } | undefined;
    // Read before the load: its answer goes in front only if nothing was invalidated meanwhile.
    const epoch = hot.epoch;
    const startedAt = Date.now();
    try {
      const value = await bento.getOrSet({
        key,
        ttl: ttlMs,
        tags,
        factory: async (ctx) => {
          loaded = true;
          try {
            const answer = await loader();
            return answer === undefined ? ctx.skip() : answer;
          } catch (error) {
            if (isStaleWorthy(error)) {
              outage = error;
              throw error;
            }
            refused = { error };
            return ctx.skip();
          }
        },
      });
      if (refused) throw refused.error;
      if (!loaded) return { value, outcome: 'hit' };
      if (outage !== undefined) return { value, outcome: 'stale' };
      // bentocache stored it after the load ended: its copy expires later than this one.
      if (value !== undefined) hot.put(key, { value: deepFreeze(value), expiresAt: startedAt + ttlMs, tags }, epoch);
      return { value, outcome: 'miss' };
    } catch (error) {
      if (refused) throw refused.error;
      if (outage !== undefined) throw outage;
      log.warn({ err: error, route: routeName(contract) }, 'cache failed; answering from the upstream');
      return { value: await loader(), outcome: 'miss' };
    }
  }

  return {
    async read(contract, input, caller, loader, note, fresh = false) {
      const policy = contract.rest?.cache;
      if (!policy || (policy.scope === 'private' && caller === null)) return loader();
      const route = routeName(contract);
      if (fresh) {
        // RFC 9111 §5.2.1.4: a stored answer must not be used without the origin; this one is the origin's.
        metrics.countRead(route, 'miss');
        note?.('miss');
        return loader();
      }
      const owner = policy.scope === 'private' && caller ? `|${caller.id}:${caller.role}` : '';
      const key = `${route}|${stableKey(input)}${owner}`;
      const entry = hot.get(key, Date.now());
      if (entry) {
        metrics.countRead(route, 'hit');
        note?.('hit');
        return entry.value as never;
      }
      let pending = inflight.get(key);
      const leader = pending === undefined;
      if (!pending) {
        const tags = policy.tags.map((tag) => fillTag(tag, input, caller?.id ?? null));
        pending = load(key, contract, policy.maxAgeSeconds * 1000, tags, loader);
        inflight.set(key, pending);
        const done = () => inflight.delete(key);
        pending.then(done, done);
      }
      const { value, outcome } = await pending;
      const seen: CacheOutcome = leader ? outcome : 'hit';
      metrics.countRead(route, seen);
      note?.(seen);
      return value as never;
    },
    async invalidate(contract, input, callerId) {
      const templates = contract.rest?.invalidates;
      if (!templates || templates.length === 0) return;
      const tags = templates.map((tag) => fillTag(tag, input, callerId));
      // Before (no hit on them from here on) and after (no load that overlapped goes in front).
      for (const tag of tags) hot.dropTag(tag);
      try {
        await bento.deleteByTag({ tags });
      } catch (error) {
        log.warn({ err: error, tags }, 'cache invalidation failed');
      }
      for (const tag of tags) hot.dropTag(tag);
      metrics.countInvalidation(routeName(contract));
    },
    async close() {
      // A client that never connected (Redis down) refuses QUIT: closing must not fail for it.
      await bento.disconnectAll().catch((error: unknown) => log.debug({ err: error }, 'cache: redis clients closed'));
    },
  };
}
