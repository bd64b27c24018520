import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { TRPCError } from '@trpc/server';
import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** Limits on the credential procedures, `auth.access` and `auth.refresh`, however they are called. */
export interface AuthRateLimitOptions {
  /** `auth.access` calls allowed per window, per client IP and email; 10 by default. */
  max: number;
  /** `auth.refresh` calls allowed per window, per client IP; 30 by default. */
  refreshMax?: number;
  /** Window length in milliseconds (counted in whole seconds, at least 1); 60 000 by default. */
  timeWindowMs: number;
  /** Shared store for several gateway replicas; in memory when absent. */
  redis?: Redis;
}

/** The defaults: 10 logins per minute per IP and email, 30 refreshes per minute per IP. */
export const DEFAULT_AUTH_RATE_LIMIT = { max: 10, refreshMax: 30, timeWindowMs: 60_000 } as const;

/** The procedures that are counted. */
export type LimitedProcedure = 'access' | 'refresh';

/**
 * Thrown by {@link AuthRateLimiter.consume} past the limit: 429 TOO_MANY_REQUESTS on both
 * adapters, with the seconds to wait, which the response meta sends as `Retry-After`.
 * Its `name` stays `TRPCError`, which trpc-to-openapi relies on to keep the code.
 * @see RFC 6585 §4 (429), RFC 9110 §10.2.3 (Retry-After)
 */
export class TooManyRequestsError extends TRPCError {
  constructor(readonly retryAfterSeconds: number) {
    super({ code: 'TOO_MANY_REQUESTS', message: 'Too many attempts, retry later' });
  }
}

/** Counts calls of the credential procedures, one per procedure call (a tRPC batch counts each). */
export interface AuthRateLimiter {
  /**
   * Counts one call of `procedure` for `key`.
   * @param procedure which bucket: `access` or `refresh`
   * @param key who is counted, from {@link accessKey} or {@link refreshKey}
   * @throws {TooManyRequestsError} past the limit
   * @throws whatever the store threw when no limiter could count (the caller decides to let it pass)
   */
  consume(procedure: LimitedProcedure, key: string): Promise<void>;
}

/** The `auth.access` bucket: client IP and the normalized email (hashed, so no address sits in Redis). */
export function accessKey(ip: string, email: string): string {
  return `${ip}|${createHash('sha256').update(email.trim().toLowerCase()).digest('base64url')}`;
}

/** The `auth.refresh` bucket: client IP only (a refresh token is a secret, and changes on every use). */
export function refreshKey(ip: string): string {
  return ip;
}

function limiterFor(name: LimitedProcedure, points: number, duration: number, redis: Redis | undefined) {
  const keyPrefix = `basis-gateway-auth-rl:${name}`;
  const memory = new RateLimiterMemory({ keyPrefix, points, duration });
  if (!redis) return memory;
  // Redis down or still connecting: count in this process rather than wait or let everything through.
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix,
    points,
    duration,
    rejectIfRedisNotReady: true,
    insuranceLimiter: memory,
  });
}

/**
 * Creates the credential-procedure counters with rate-limiter-flexible: fixed windows in Redis
 * when a client is given (shared by every replica, with an in-memory insurance limiter while Redis
 * is unreachable), else in memory.
 * @param options limits per window; {@link DEFAULT_AUTH_RATE_LIMIT} for what is left out
 */
export function createAuthRateLimiter(options: AuthRateLimitOptions): AuthRateLimiter {
  const duration = Math.max(1, Math.ceil(options.timeWindowMs / 1000));
  const limiters: Record<LimitedProcedure, RateLimiterAbstract> = {
    access: limiterFor('access', options.max, duration, options.redis),
    refresh: limiterFor('refresh', options.refreshMax ?? DEFAULT_AUTH_RATE_LIMIT.refreshMax, duration, options.redis),
  };
  return {
    async consume(procedure, key) {
      try {
        await limiters[procedure].consume(key);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          throw new TooManyRequestsError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
        }
        throw rejection;
      }
    },
  };
}

/**
 * Waits until the Redis client is ready, at most `ms` milliseconds or until its first connection
 * error: so a replica counts in Redis from its first call when Redis is up, and starts anyway
 * (counting in memory, see {@link createAuthRateLimiter}) when it is not.
 * @returns whether Redis is ready
 */
export async function untilRedisReady(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  try {
    await once(redis, 'ready', { signal: AbortSignal.timeout(ms) });
    return true;
  } catch {
    return false;
  }
}
