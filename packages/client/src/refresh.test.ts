import type { ErrorCode } from '@basis/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from './client.js';
import { BasisApiError } from './errors.js';
import { type GatewayStub, startGatewayStub } from './test/gateway-stub.js';

const ada = { email: 'ada@example.com', password: 'correct horse battery staple' };

describe('refresh after a 401', () => {
  let stub: GatewayStub;
  beforeAll(async () => {
    stub = await startGatewayStub({ refreshDelayMs: 50 });
  });
  afterAll(async () => {
    await stub.close();
  });
  beforeEach(() => {
    stub.requests.length = 0;
  });

  it('refreshes once with the kept refresh token and retries the call once', async () => {
    const seen: unknown[] = [];
    const client = createClient({ baseURL: stub.origin, onTokens: (tokens) => seen.push(tokens) });
    const first = await client.login(ada);
    stub.expireAccessTokens();
    const before = stub.refreshCalls();
    const me = await client.users.me();
    expect(me.email).toBe('ada@example.com');
    expect(stub.refreshCalls() - before).toBe(1);
    expect(stub.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/v1/auth/access',
      'GET /api/v1/users/me',
      'POST /api/v1/auth/refresh',
      'GET /api/v1/users/me',
    ]);
    expect(stub.requests[2]?.body).toEqual({ refresh_token: first.refresh_token });
    expect(stub.requests[3]?.authorization).toBe(`Bearer ${client.tokens?.access_token}`);
    expect(client.tokens?.access_token).not.toBe(first.access_token);
    expect(seen).toHaveLength(2);
  });

  it('shares one refresh between concurrent 401s', async () => {
    const client = createClient({ baseURL: stub.origin });
    await client.login(ada);
    stub.expireAccessTokens();
    const before = stub.refreshCalls();
    const results = await Promise.all([
      client.users.me(),
      client.users.list({ limit: 5 }),
      client.users.byId({ id: 1 }),
      client.users.me(),
    ]);
    expect(results).toHaveLength(4);
    expect(stub.refreshCalls() - before).toBe(1);
  });

  it('does not refresh again for a 401 that arrives after another call already refreshed', async () => {
    const client = createClient({ baseURL: stub.origin });
    await client.login(ada);
    stub.expireAccessTokens();
    stub.delay('/api/v1/users', 200);
    const before = stub.refreshCalls();
    try {
      // `me` gets its 401 at once and refreshes (50 ms); `list` gets its 401 only after that.
      const [me, page] = await Promise.all([client.users.me(), client.users.list()]);
      expect(me.id).toBe(1);
      expect(page.total).toBeGreaterThan(0);
    } finally {
      stub.delay('/api/v1/users', 0);
    }
    expect(stub.refreshCalls() - before).toBe(1);
  });

  it('drops the tokens and throws the 401 when the refresh token is refused', async () => {
    const seen: unknown[] = [];
    const client = createClient({ baseURL: stub.origin, onTokens: (tokens) => seen.push(tokens) });
    await client.login(ada);
    stub.expireAccessTokens();
    stub.revokeRefreshTokens();
    const error = await client.users.me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BasisApiError);
    expect(error).toMatchObject({ status: 401, code: 'UNAUTHORIZED', message: 'Missing or invalid access token' });
    expect((error as BasisApiError).cause).toMatchObject({ status: 401, message: 'Invalid refresh token' });
    expect(client.tokens).toBeNull();
    expect(seen.at(-1)).toBeNull();
    expect(stub.requests.map((r) => r.path)).toEqual([
      '/api/v1/auth/access',
      '/api/v1/users/me',
      '/api/v1/auth/refresh',
    ]);
  });

  it('retries only once: a 401 to the retry reaches the caller', async () => {
    const client = createClient({ baseURL: stub.origin });
    await client.login(ada);
    stub.refuseAccessTokens(true);
    const before = stub.refreshCalls();
    stub.requests.length = 0;
    try {
      await expect(client.users.me()).rejects.toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    } finally {
      stub.refuseAccessTokens(false);
    }
    expect(stub.refreshCalls() - before).toBe(1);
    expect(stub.requests.map((r) => r.path)).toEqual(['/api/v1/users/me', '/api/v1/auth/refresh', '/api/v1/users/me']);
    expect(client.tokens).not.toBeNull();
  });

  it('never refreshes for public routes: a wrong password is a plain 401', async () => {
    const client = createClient({ baseURL: stub.origin });
    await client.login(ada);
    const before = stub.refreshCalls();
    await expect(client.login({ ...ada, password: 'wrong password' })).rejects.toMatchObject({
      status: 401,
      code: 'UNAUTHORIZED',
    });
    expect(stub.refreshCalls()).toBe(before);
  });

  it('throws the 401 without a refresh when no tokens are kept', async () => {
    const client = createClient({ baseURL: stub.origin });
    const before = stub.refreshCalls();
    await expect(client.users.me()).rejects.toMatchObject({ status: 401 });
    expect(stub.requests.at(-1)?.authorization).toBeUndefined();
    expect(stub.refreshCalls()).toBe(before);
  });
});

describe('POST /auth/refresh answered 429 Too Many Requests (or 503) during a refresh', () => {
  let stub: GatewayStub;
  beforeAll(async () => {
    stub = await startGatewayStub();
  });
  afterAll(async () => {
    await stub.close();
  });

  const envelope = (code: ErrorCode, message: string) => JSON.stringify({ code, message, requestId: 'req-x' });

  it.each([
    [429, 'TOO_MANY_REQUESTS', { 'retry-after': '30' }],
    [503, 'SERVICE_UNAVAILABLE', { 'retry-after': '1' }],
    [502, 'BAD_GATEWAY', {}],
  ] as const)('keeps the tokens on %i, so a later refresh still works', async (status, code, headers) => {
    const seen: unknown[] = [];
    const client = createClient({ baseURL: stub.origin, onTokens: (tokens) => seen.push(tokens) });
    const kept = await client.login(ada);
    stub.answerNext({
      status,
      headers: { 'content-type': 'application/json', ...headers },
      body: envelope(code, 'try later'),
    });
    await expect(client.refresh()).rejects.toMatchObject({ status, code });
    expect(client.tokens).toEqual(kept);
    expect(seen).not.toContain(null);
    const renewed = await client.refresh();
    expect(renewed.refresh_token).not.toBe(kept.refresh_token);
  });

  it('drops the tokens on 400, as on 401: the refresh token itself is bad', async () => {
    const client = createClient({ baseURL: stub.origin });
    await client.login(ada);
    stub.answerNext({
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: envelope('BAD_REQUEST', 'Invalid body'),
    });
    await expect(client.refresh()).rejects.toMatchObject({ status: 400 });
    expect(client.tokens).toBeNull();
  });
});
