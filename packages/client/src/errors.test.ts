import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from './client.js';
import { BasisApiError, NETWORK_ERROR } from './errors.js';
import { type GatewayStub, startGatewayStub } from './test/gateway-stub.js';

const ada = { email: 'ada@example.com', password: 'correct horse battery staple' };

async function rejection(promise: Promise<unknown>): Promise<BasisApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof BasisApiError)) throw new Error(`expected a BasisApiError, got ${String(error)}`);
  return error;
}

describe('BasisApiError from gateway answers', () => {
  let stub: GatewayStub;
  beforeAll(async () => {
    stub = await startGatewayStub();
  });
  afterAll(async () => {
    await stub.close();
  });

  it('carries status, code, message and requestId from a 409 envelope', async () => {
    const client = createClient({ baseURL: stub.origin });
    const error = await rejection(client.users.create({ email: ada.email, password: 'long enough' }));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('BasisApiError');
    expect(error).toMatchObject({ status: 409, code: 'CONFLICT', message: 'Email already registered' });
    expect(error.requestId).toMatch(/^req-\d+$/);
    expect(error.isNetworkError).toBe(false);
  });

  it('carries the zod issues of a 400, naming the field', async () => {
    const client = createClient({ baseURL: stub.origin });
    const error = await rejection(client.users.create({ email: 'short@example.com', password: 'short' }));
    expect(error).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect(error.issues).toEqual([
      { code: 'too_small', path: ['password'], message: 'Password must be at least 8 characters' },
    ]);
  });

  it('reports a 400 for a limit outside 1..100 from the query string', async () => {
    const client = createClient({ baseURL: stub.origin });
    await client.login(ada);
    const error = await rejection(client.users.list({ limit: 101 }));
    expect(error).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect(error.issues?.[0]?.path).toEqual(['limit']);
  });

  it('reports 404 for an unknown id', async () => {
    const client = createClient({ baseURL: stub.origin });
    await client.login(ada);
    await expect(client.users.byId({ id: 999 })).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('reads Retry-After in seconds on a 503, without retrying', async () => {
    const client = createClient({ baseURL: stub.origin });
    const before = stub.requests.length;
    stub.answerNext({
      status: 503,
      headers: { 'content-type': 'application/json', 'retry-after': '7' },
      body: JSON.stringify({ code: 'SERVICE_UNAVAILABLE', message: 'Users service unavailable', requestId: 'r-503' }),
    });
    const error = await rejection(client.users.create({ email: 'x@example.com', password: 'long enough' }));
    expect(error).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', retryAfter: 7, requestId: 'r-503' });
    expect(stub.requests.length - before).toBe(1);
  });

  it('derives the code from the status when the body is not an envelope (an HTML 502 from a proxy)', async () => {
    const client = createClient({ baseURL: stub.origin });
    stub.answerNext({ status: 502, headers: { 'content-type': 'text/html' }, body: '<html>Bad Gateway</html>' });
    const error = await rejection(client.users.create({ email: 'y@example.com', password: 'long enough' }));
    expect(error).toMatchObject({ status: 502, code: 'BAD_GATEWAY', message: 'HTTP 502 Bad Gateway' });
    expect(error.requestId).toMatch(/^req-\d+$/);
  });

  it('rejects with the signal reason when the call is aborted', async () => {
    const client = createClient({ baseURL: stub.origin });
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(
      client.users.create({ email: 'z@example.com', password: 'long enough' }, { signal: controller.signal }),
    ).rejects.toThrow('stop');
  });
});

describe('BasisApiError for network failures', () => {
  it('has status 0 and code NETWORK_ERROR when the connection is refused', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const client = createClient({ baseURL: `http://127.0.0.1:${port}` });
    const error = await rejection(client.users.create({ email: 'n@example.com', password: 'long enough' }));
    expect(error).toMatchObject({ status: 0, code: NETWORK_ERROR, requestId: undefined });
    expect(error.isNetworkError).toBe(true);
    expect(error.message).toMatch(/^Network error: /);
    expect(error.cause).toBeDefined();
  });

  it('surfaces a network failure of the refresh itself instead of the 401', async () => {
    const stub = await startGatewayStub();
    let refreshFails = false;
    const client = createClient({
      baseURL: stub.origin,
      fetch: (input, init) => {
        const url = input instanceof Request ? input.url : String(input);
        if (refreshFails && url.endsWith('/auth/refresh')) return Promise.reject(new TypeError('fetch failed'));
        return fetch(input, init);
      },
    });
    try {
      await client.login(ada);
      stub.expireAccessTokens();
      refreshFails = true;
      const error = await rejection(client.users.me());
      expect(error).toMatchObject({ status: 0, code: NETWORK_ERROR });
      expect(client.tokens).not.toBeNull();
    } finally {
      await stub.close();
    }
  });
});
