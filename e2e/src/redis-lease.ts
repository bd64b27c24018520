import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** Logical databases a run may lease (0 is left to everything else). */
const LEASED_DATABASES = 15;
/** How long a lease lives unless renewed: a run that dies frees its database after this, in ms. */
const LEASE_MS = 10 * 60_000;
/** The gateway's key prefixes (rate limits, response cache, idempotency), removed from a leased database. */
const GATEWAY_KEYS = 'basis-gateway*';

/** One Redis logical database, leased by this run alone; `release()` empties it of gateway keys and frees it. */
export interface RedisLease {
  /** `REDIS_URL` with the leased database, e.g. `redis://127.0.0.1:6379/7`. */
  readonly url: string;
  readonly database: number;
  release(): Promise<void>;
}

async function deleteGatewayKeys(url: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', GATEWAY_KEYS, 'COUNT', 1000);
      if (keys.length > 0) await client.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/**
 * Leases one of Redis's logical databases 1..15 for this run, so that replicas of this run share
 * rate limits, cache entries and idempotency keys with each other and with no other run (the
 * gateway has no key prefix of its own). The lease is a `SET NX PX` key in database 0
 * (`basis:e2e:redis-db:<n>`); the leased database is emptied of `basis-gateway*` keys (a dead
 * run's) before use. Pub/sub channels are server-wide: another run's cache bus messages can only
 * drop entries here early, never serve a wrong one.
 * @param baseUrl `REDIS_URL` without a database, e.g. `redis://127.0.0.1:6379`
 * @throws when every database is leased, or Redis refuses
 */
export async function leaseRedisDatabase(baseUrl: string): Promise<RedisLease> {
  const admin = new Redis(baseUrl, { db: 0, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  const owner = randomUUID();
  try {
    for (let database = 1; database <= LEASED_DATABASES; database++) {
      const key = `basis:e2e:redis-db:${database}`;
      if ((await admin.set(key, owner, 'PX', LEASE_MS, 'NX')) !== 'OK') continue;
      const url = new URL(baseUrl);
      url.pathname = `/${database}`;
      await deleteGatewayKeys(url.toString());
      return {
        url: url.toString(),
        database,
        async release() {
          await deleteGatewayKeys(url.toString());
          const releaser = new Redis(baseUrl, { db: 0, maxRetriesPerRequest: 1, connectTimeout: 2000 });
          try {
            // Delete the lease only if it is still ours.
            await releaser.eval(
              "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0",
              1,
              key,
              owner,
            );
          } finally {
            releaser.disconnect();
          }
        },
      };
    }
    throw new Error(`all ${LEASED_DATABASES} Redis databases are leased by other runs`);
  } finally {
    admin.disconnect();
  }
}
