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
  /** `auth.access` calls allowed per window, per client IP whatever the email (`RATE_LIMIT_LOGIN_PER_IP`); 20 by default. */
  loginPerIpMax?: number;
  /** `users.create` calls allowed per window, per client IP (`RATE_LIMIT_REGISTER_PER_IP`); 10 by default. */
  registerPerIpMax?: number;
  /** Window length in milliseconds (counted in whole seconds, at least 1); 60 000 by default. */
  timeWindowMs: number;
  /** Shared store for several gateway replicas; in memory when absent. */
  redis?: Redis;
  /** Called once per call refused with 429, with the limit it hit (metrics). */
  onReject?: (limit: LimitedProcedure) => void;
}

/** The defaults: 10 logins per minute per IP and email, 30 refreshes per minute per IP. */
export const DEFAULT_AUTH_RATE_LIMIT = { max: 10, refreshMax: 30, timeWindowMs: 60_000 } as const;

/** The per-IP defaults (`RATE_LIMIT_LOGIN_PER_IP`, `RATE_LIMIT_REGISTER_PER_IP`): per minute, whatever the email. */
export const DEFAULT_PER_IP_LIMITS = { loginPerIpMax: 20, registerPerIpMax: 10 } as const;

/**
 * The buckets that are counted: `access` (per IP and email) and `refresh` (per IP) by the auth
 * procedures themselves; `loginPerIp` and `registerPerIp` (per IP) at the edge, by procedure path
 * ({@link PER_IP_LIMITS}), so that password spraying across emails and mass registration are capped.
 */
export type LimitedProcedure = 'access' | 'refresh' | 'loginPerIp' | 'registerPerIp';

/** Procedures counted per client IP at the edge, before they run, and their bucket. */
export const PER_IP_LIMITS: ReadonlyMap<string, LimitedProcedure> = new Map([
  ['auth.access', 'loginPerIp'],
  ['users.create', 'registerPerIp'],
]);

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
    loginPerIp: limiterFor(
      'loginPerIp',
      options.loginPerIpMax ?? DEFAULT_PER_IP_LIMITS.loginPerIpMax,
      duration,
      options.redis,
    ),
    registerPerIp: limiterFor(
      'registerPerIp',
      options.registerPerIpMax ?? DEFAULT_PER_IP_LIMITS.registerPerIpMax,
      duration,
      options.redis,
    ),
  };
  return {
    async consume(procedure, key) {
      try {
        await limiters[procedure].consume(key);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          options.onReject?.(procedure);
          throw new TooManyRequestsError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
        }
        throw rejection;
      }
    },
  };
}

/**
 * Counts one call of `procedure` (a tRPC path such as `auth.access`) against its per-IP bucket in
 * {@link PER_IP_LIMITS}, if it has one; every call counts, however it arrives (REST, `/trpc`, each
 * member of a batch). A store failure lets the call through with a warning: a broken counter must
 * not lock everyone out.
 * @param ip the client address (Fastify's `request.ip`, which honours `TRUST_PROXY`)
 * @throws {TooManyRequestsError} past the limit
 */
export async function countPerIp(
  limiter: AuthRateLimiter,
  procedure: string,
  ip: string,
  warn: (error: unknown) => void,
): Promise<void> {
  const bucket = PER_IP_LIMITS.get(procedure);
  if (bucket === undefined) return;
  try {
    await limiter.consume(bucket, ip);
  } catch (error) {
    if (error instanceof TooManyRequestsError) throw error;
    warn(error);
  }
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
