import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';

/** Limits on the credential endpoints (`/auth/access`, `/auth/refresh`, and their `/trpc` twins). */
export interface AuthRateLimitOptions {
  /** Attempts allowed per window and per client IP + email; 10 by default. */
  max: number;
  /** Window length in milliseconds; 60 000 by default. */
  timeWindowMs: number;
  /** Shared store for several gateway replicas; in-memory when absent. */
  redis?: Redis;
}

/** The defaults: 10 attempts per minute per IP and email. */
export const DEFAULT_AUTH_RATE_LIMIT = { max: 10, timeWindowMs: 60_000 } as const;

const LIMITED_REST_PATHS = new Set(['/api/v1/auth/access', '/api/v1/auth/refresh']);
const LIMITED_TRPC_PROCEDURE = /^\/trpc\/.*\bauth\.(access|refresh)\b/;

function isLimited(url: string): boolean {
  const path = (url.split('?', 1)[0] ?? url).toLowerCase().replace(/\/$/, '');
  return LIMITED_REST_PATHS.has(path) || LIMITED_TRPC_PROCEDURE.test(path);
}

/**
 * The email a login body names, lower-cased: a REST body, or a tRPC body, which the tRPC
 * plugin leaves as a string (single call, or a batch `{ "0": {...} }`).
 */
function emailOf(body: unknown, depth = 0): string {
  if (typeof body === 'string' && depth === 0) {
    try {
      return emailOf(JSON.parse(body), depth + 1);
    } catch {
      return '';
    }
  }
  if (typeof body !== 'object' || body === null || depth > 3) return '';
  const { email } = body as { email?: unknown };
  if (typeof email === 'string') return email.trim().toLowerCase();
  for (const value of Object.values(body)) {
    const nested = emailOf(value, depth + 1);
    if (nested) return nested;
  }
  return '';
}

/**
 * Rate-limits the credential endpoints with @fastify/rate-limit, keyed by client IP and the
 * email in the body (so one attacker cannot lock out every user of a shared IP, nor try one
 * account from many requests unlimited). Runs as a `preHandler`, after the body is parsed.
 * Over the limit: 429 TOO_MANY_REQUESTS with `Retry-After` (seconds), in the error envelope.
 * A failing Redis lets requests through rather than locking everyone out.
 */
export async function registerAuthRateLimit(app: FastifyInstance, options: AuthRateLimitOptions): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    skipOnError: true,
    ...(options.redis ? { redis: options.redis, nameSpace: 'basis-gateway-auth-rl:' } : {}),
  });
  const limit = app.rateLimit({
    max: options.max,
    timeWindow: options.timeWindowMs,
    keyGenerator: (request: FastifyRequest) => `${request.ip}|${emailOf(request.body)}`,
  });
  app.addHook('preHandler', async (request, reply) => {
    if (isLimited(request.url)) await limit.call(app, request, reply);
  });
}
