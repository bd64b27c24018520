import { freePort } from '@basis/service-kit/test';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_AUTH_RATE_LIMIT } from '../../src/auth/rate-limit.js';
import { createApi } from '../helpers/api.js';
import { Conformance, type OpenApiDoc } from '../helpers/conformance.js';
import { startGateway } from '../helpers/gateway.js';
import { rawRequest } from '../helpers/raw-http.js';
import { uniqueEmail } from '../helpers/stack.js';

// Regression tests for the credential rate limits, which counted HTTP requests by raw URL: one
// batched tRPC request made 31 guesses, and `/api/v1/auth/./access` was not counted at all.
// They count procedure calls now.

const JWT_SECRET = 'rate-limit-suite-jwt-secret-at-least-32-bytes';
const problems: string[] = [];

afterAll(() => {
  expect(problems).toEqual([]);
});

async function gatewayWith(authRateLimit: { max: number; refreshMax?: number; timeWindowMs: number }) {
  const gateway = await startGateway({ USERS_SERVICE_URL: inject('usersUrl'), JWT_SECRET }, { authRateLimit });
  const doc = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as OpenApiDoc;
  const conformance = new Conformance(doc);
  return {
    url: gateway.url,
    api: createApi(gateway.url, conformance),
    async [Symbol.asyncDispose]() {
      await gateway.close();
      problems.push(...conformance.problems);
    },
  };
}

/** One member of a tRPC batch answer. */
interface BatchItem {
  result?: unknown;
  error?: { data?: { code?: string } };
}

const codeOf = (item: BatchItem) => item.error?.data?.code ?? 'OK';

describe('POST /trpc/auth.access,…(×10)?batch=1 with body {"0":{email,password},…}', () => {
  it('counts every call of the batch: 3 reach the users service, the other 7 get TOO_MANY_REQUESTS', async () => {
    const max = 3;
    await using gateway = await gatewayWith({ max, timeWindowMs: 60_000 });
    const email = uniqueEmail('batched');
    const calls = 10;
    const paths = Array.from({ length: calls }, () => 'auth.access').join(',');
    const body = Object.fromEntries(
      Array.from({ length: calls }, (_, i) => [String(i), { email, password: `guess number ${i}` }]),
    );
    const response = await fetch(`${gateway.url}/trpc/${paths}?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const items = (await response.json()) as BatchItem[];
    expect(items).toHaveLength(calls);
    const codes = items.map(codeOf);
    expect(codes.filter((code) => code === 'UNAUTHORIZED')).toHaveLength(max);
    expect(codes.filter((code) => code === 'TOO_MANY_REQUESTS')).toHaveLength(calls - max);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);

    // The same account is now limited over REST too, in the envelope, with Retry-After.
    const rest = await gateway.api('POST', '/api/v1/auth/access', { json: { email, password: 'one more guess' } });
    expect(rest.status).toBe(429);
    expect(Number(rest.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(rest.body).toMatchObject({ code: 'TOO_MANY_REQUESTS', requestId: rest.headers.get('x-request-id') });
  });

  it('answers a single /trpc call past the limit with the tRPC error shape and Retry-After', async () => {
    await using gateway = await gatewayWith({ max: 1, timeWindowMs: 60_000 });
    const email = uniqueEmail('trpc-single');
    const call = () =>
      fetch(`${gateway.url}/trpc/auth.access`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'wrong password' }),
      });
    expect((await call()).status).toBe(401);
    const limited = await call();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await limited.json()) as {
      error?: { message?: string; data?: { code?: string; httpStatus?: number } };
    };
    expect(body.error?.data).toMatchObject({ code: 'TOO_MANY_REQUESTS', httpStatus: 429 });
    expect(JSON.stringify(body)).not.toContain('stack');
  });
});

describe('POST /api/v1/auth/./access and /api/v1/x/../auth/access (curl --path-as-is)', () => {
  it('counts dot-segment spellings of the path against the same limit', async () => {
    await using gateway = await gatewayWith({ max: 2, timeWindowMs: 60_000 });
    const email = uniqueEmail('dot-segments');
    const attempt = (path: string) =>
      rawRequest(gateway.url, 'POST', path, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'wrong password' }),
      });
    expect((await attempt('/api/v1/auth/./access')).status).toBe(401);
    expect((await attempt('/api/v1/x/../auth/access')).status).toBe(401);
    const limited = await attempt('/api/v1/auth/access');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await attempt('/api/v1/auth/./access')).status).toBe(429);
  });
});

describe('POST /api/v1/auth/refresh, many times from one IP', () => {
  it('is limited per client IP with its own limit, whatever the token', async () => {
    await using gateway = await gatewayWith({ max: 1, refreshMax: 3, timeWindowMs: 60_000 });
    const refresh = () =>
      gateway.api('POST', '/api/v1/auth/refresh', { json: { refresh_token: `${crypto.randomUUID()}.secret` } });
    for (let i = 0; i < 3; i += 1) expect((await refresh()).status).toBe(401);
    const limited = await refresh();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The login bucket is a different one.
    const login = await gateway.api('POST', '/api/v1/auth/access', {
      json: { email: uniqueEmail('refresh-ip'), password: 'wrong password' },
    });
    expect(login.status).toBe(401);
  });

  it('defaults to 30 refreshes per minute, separate from the 10 logins', () => {
    expect(DEFAULT_AUTH_RATE_LIMIT).toEqual({ max: 10, refreshMax: 30, timeWindowMs: 60_000 });
  });
});

describe('POST /api/v1/auth/access with REDIS_URL set but Redis unreachable', () => {
  it('still counts, in memory (the insurance limiter), and still answers', async () => {
    const closedPort = await freePort();
    const gateway = await startGateway(
      { USERS_SERVICE_URL: inject('usersUrl'), JWT_SECRET, REDIS_URL: `redis://127.0.0.1:${closedPort}` },
      { authRateLimit: { max: 2, timeWindowMs: 60_000 } },
    );
    try {
      const email = uniqueEmail('redis-down');
      const attempt = () =>
        fetch(`${gateway.url}/api/v1/auth/access`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: 'wrong password' }),
        });
      expect((await attempt()).status).toBe(401);
      expect((await attempt()).status).toBe(401);
      expect((await attempt()).status).toBe(429);
    } finally {
      await gateway.close();
    }
  });
});
