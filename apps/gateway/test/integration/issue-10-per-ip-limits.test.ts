import { describe, expect, inject, it } from 'vitest';
import { startGateway } from '../helpers/gateway.js';
import { uniqueEmail } from '../helpers/stack.js';

// Regression tests for issue 10 item 13: 25 different emails from one IP were never limited
// (password spraying), registration was unlimited, and X-Forwarded-For was never considered.

const post = (url: string, path: string, json: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(json),
  });

const login = (url: string, headers: Record<string, string> = {}) =>
  post(url, '/api/v1/auth/access', { email: uniqueEmail('spray'), password: 'a wrong password' }, headers);

describe('POST /api/v1/auth/access with 25 different emails from one IP', () => {
  it('is limited per IP across emails: RATE_LIMIT_LOGIN_PER_IP=20 gives 20 × 401, then 429 with Retry-After', async () => {
    await using gateway = await startGateway({ USERS_SERVICE_URL: inject('usersUrl'), RATE_LIMIT_LOGIN_PER_IP: '20' });
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 25; i += 1) {
      last = await login(gateway.url);
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(5).fill(429));
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await last?.json()).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
  });

  it('counts each member of a tRPC batch: a batch of 3 past a limit of 2 is refused whole', async () => {
    await using gateway = await startGateway({ USERS_SERVICE_URL: inject('usersUrl'), RATE_LIMIT_LOGIN_PER_IP: '2' });
    const body = Object.fromEntries(
      [0, 1, 2].map((i) => [String(i), { email: uniqueEmail('batch-spray'), password: 'a wrong password' }]),
    );
    const response = await post(gateway.url, '/trpc/auth.access,auth.access,auth.access?batch=1', body);
    const items = (await response.json()) as { error?: { data?: { code?: string } } }[];
    expect(items.map((item) => item.error?.data?.code)).toEqual(Array(3).fill('TOO_MANY_REQUESTS'));
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('POST /api/v1/users, 4 registrations from one IP with RATE_LIMIT_REGISTER_PER_IP=3', () => {
  it('answers the 4th with 429 over REST and over /trpc', async () => {
    await using gateway = await startGateway({
      USERS_SERVICE_URL: inject('usersUrl'),
      RATE_LIMIT_REGISTER_PER_IP: '3',
    });
    const register = (path: string) =>
      post(gateway.url, path, { email: uniqueEmail('register-ip'), password: 'long enough password' });
    for (let i = 0; i < 3; i += 1) expect((await register('/api/v1/users')).status).toBe(201);
    const limited = await register('/api/v1/users');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await register('/trpc/users.create')).status).toBe(429);
  });
});

describe('POST /api/v1/auth/access with X-Forwarded-For: 203.0.113.<n>', () => {
  it('ignores X-Forwarded-For without TRUST_PROXY: every spoofed address shares the socket IP’s limit', async () => {
    await using gateway = await startGateway({ USERS_SERVICE_URL: inject('usersUrl'), RATE_LIMIT_LOGIN_PER_IP: '2' });
    const statuses: number[] = [];
    for (let n = 1; n <= 3; n += 1)
      statuses.push((await login(gateway.url, { 'x-forwarded-for': `203.0.113.${n}` })).status);
    expect(statuses).toEqual([401, 401, 429]);
  });

  it.each(['1', '127.0.0.1', '127.0.0.0/8'])(
    'counts the forwarded client IP with TRUST_PROXY=%s',
    async (trustProxy) => {
      await using gateway = await startGateway({
        USERS_SERVICE_URL: inject('usersUrl'),
        RATE_LIMIT_LOGIN_PER_IP: '2',
        TRUST_PROXY: trustProxy,
      });
      const from = (ip: string) => login(gateway.url, { 'x-forwarded-for': ip });
      expect((await from('203.0.113.1')).status).toBe(401);
      expect((await from('203.0.113.1')).status).toBe(401);
      expect((await from('203.0.113.1')).status).toBe(429);
      // Another client behind the same proxy has a bucket of its own.
      expect((await from('203.0.113.2')).status).toBe(401);
    },
  );
});
