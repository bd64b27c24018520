import { Writable } from 'node:stream';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { DOCS_CSP } from '../../src/docs/csp.js';
import { loggerOptions } from '../../src/http/logging.js';
import type { GatewayRouter } from '../../src/index.js';
import { startFakeUpstream, trpcError } from '../helpers/fake-upstream.js';
import { startGateway } from '../helpers/gateway.js';
import { parseRawResponse, type RawResponse, rawExchange } from '../helpers/raw-http.js';
import { type Session, type Stack, uniqueEmail, useStack } from '../helpers/stack.js';

let stack: Stack;
let user: Session;

useStack({}, async (started) => {
  stack = started;
  user = await stack.newUser();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function expectEnvelope(response: { body: Record<string, unknown>; headers: Headers; text: string }, code: string) {
  expect(response.body.code).toBe(code);
  expect(response.body.message).toEqual(expect.any(String));
  expect(response.body.requestId).toBe(response.headers.get('x-request-id'));
  expect(Object.keys(response.body).every((key) => ['code', 'message', 'issues', 'requestId'].includes(key))).toBe(
    true,
  );
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
}

describe('the error envelope', () => {
  it('answers malformed JSON with 400 PARSE_ERROR', async () => {
    const response = await stack.api('POST', '/api/v1/users', { raw: '{"email": ', contentType: 'application/json' });
    expect(response.status).toBe(400);
    expectEnvelope(response, 'PARSE_ERROR');
  });

  it('answers a body over 1 MiB with 413 PAYLOAD_TOO_LARGE', async () => {
    const raw = JSON.stringify({ email: uniqueEmail(), password: 'x'.repeat(1024 * 1024) });
    const response = await stack.api('POST', '/api/v1/users', { raw, contentType: 'application/json' });
    expect(response.status).toBe(413);
    expectEnvelope(response, 'PAYLOAD_TOO_LARGE');
  });

  it('answers an unsupported content-type with 415, and a missing body with 400 naming it', async () => {
    const plain = await stack.api('POST', '/api/v1/users', { raw: 'email=a', contentType: 'text/plain' });
    expect(plain.status).toBe(415);
    expectEnvelope(plain, 'UNSUPPORTED_MEDIA_TYPE');
    const xml = await stack.api('POST', '/api/v1/users', { raw: '<a/>', contentType: 'application/xml' });
    expect(xml.status).toBe(415);
    expectEnvelope(xml, 'UNSUPPORTED_MEDIA_TYPE');
    const none = await stack.api('POST', '/api/v1/auth/logout');
    expect(none.status).toBe(400);
    expectEnvelope(none, 'BAD_REQUEST');
    expect(none.body.message).toMatch(/body/i);
  });

  it('treats application/json; charset=utf-8 as plain JSON', async () => {
    const response = await stack.api('POST', '/api/v1/users', {
      json: { email: uniqueEmail(), password: 'long enough password' },
      contentType: 'application/json; charset=utf-8',
    });
    expect(response.status).toBe(201);
  });

  it('answers unknown routes with 404 JSON, inside and outside the REST base', async () => {
    for (const path of ['/api/v1/nothing-here', '/nothing-here', '/api/v1/users/1/extra']) {
      const response = await stack.api('GET', path);
      expect(response.status, path).toBe(404);
      expectEnvelope(response, 'NOT_FOUND');
    }
  });

  it('answers a wrong method on a known path with a JSON 405 and Allow', async () => {
    const response = await stack.api('PUT', '/api/v1/users/me', { json: {} });
    expect(response.status).toBe(405);
    expectEnvelope(response, 'METHOD_NOT_SUPPORTED');
    expect(response.headers.get('allow')).toBe('GET, HEAD, PATCH');
  });

  it('puts zod issues under issues for invalid input', async () => {
    const response = await stack.api('POST', '/api/v1/users', { json: { email: 'x', password: 'y' } });
    expect(response.status).toBe(400);
    expectEnvelope(response, 'BAD_REQUEST');
    expect(response.body.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: ['email'], message: expect.any(String), code: expect.any(String) }),
      ]),
    );
  });
});

describe('request ids', () => {
  it('keeps a valid incoming x-request-id, echoes it and puts it in error bodies', async () => {
    const response = await stack.api('GET', '/api/v1/users/me', { headers: { 'x-request-id': 'client-req:42.a_b-c' } });
    expect(response.headers.get('x-request-id')).toBe('client-req:42.a_b-c');
    expect(response.body.requestId).toBe('client-req:42.a_b-c');
  });

  it('replaces an invalid or oversized one with a fresh UUID', async () => {
    for (const incoming of ['has spaces', 'x'.repeat(129), 'semi;colon', '<script>']) {
      const response = await stack.api('GET', '/healthz', { headers: { 'x-request-id': incoming } });
      expect(response.headers.get('x-request-id')).toMatch(UUID);
    }
  });

  it('generates one when absent, on every response', async () => {
    for (const path of ['/healthz', '/openapi.json', '/api/v1/users/me', '/nowhere']) {
      expect((await stack.api('GET', path)).headers.get('x-request-id'), path).toMatch(UUID);
    }
  });

  it('forwards it to the users service', async () => {
    await using upstream = await startFakeUpstream((_req, res) => trpcError(res, 404, 'NOT_FOUND', 'User not found'));
    await using gateway = await startGateway({ USERS_SERVICE_URL: upstream.url });
    await fetch(`${gateway.url}/api/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'forward-me-1' },
      body: JSON.stringify({ email: uniqueEmail(), password: 'long enough password' }),
    });
    expect(upstream.requests[0]?.headers['x-request-id']).toBe('forward-me-1');
  });
});

describe('operations endpoints', () => {
  it('answers /healthz and /readyz with 200 while users is up', async () => {
    expect((await stack.api('GET', '/healthz')).status).toBe(200);
    expect((await stack.api('GET', '/readyz')).status).toBe(200);
  });

  it('serves Prometheus metrics with route templates and upstream outcomes', async () => {
    await stack.api('GET', `/api/v1/users/${user.id}`, { token: user.access });
    const response = await fetch(`${stack.gateway.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain('basis_gateway_http_request_duration_seconds_bucket');
    expect(text).toMatch(/route="\/api\/v1\/users\/\{id\}",method="GET",status="200"/);
    expect(text).toMatch(/basis_gateway_upstream_calls_total\{service="users",procedure="users.byId",outcome="ok"\}/);
    expect(text).toContain('basis_gateway_process_cpu_seconds_total');
    expect(text).not.toMatch(new RegExp(`route="/api/v1/users/${user.id}"`));
  });
});

describe('the tRPC endpoint', () => {
  it('serves the same procedures to a typed client, with tRPC error shapes', async () => {
    const client = createTRPCClient<GatewayRouter>({
      links: [httpLink({ url: `${stack.gateway.url}/trpc`, headers: { authorization: `Bearer ${user.access}` } })],
    });
    const me = await client.users.me.query();
    expect(me.id).toBe(user.id);
    expect(me).not.toHaveProperty('password');
    const error = await client.users.byId.query({ id: 999_999 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<GatewayRouter>).data?.code).toBe('NOT_FOUND');
    expect(JSON.stringify((error as TRPCClientError<GatewayRouter>).shape)).not.toContain('stack');
  });
});

describe('logs', () => {
  it('never contain a password, a token or an Authorization header, even at trace level', async () => {
    let logs = '';
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs += chunk.toString();
        done();
      },
    });
    await using gateway = await startGateway(
      { USERS_SERVICE_URL: stack.usersUrl },
      { logger: { ...(loggerOptions('trace', false) as object), stream } },
    );
    const post = (path: string, json: unknown, authorization?: string) =>
      fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(json),
      });
    const login = (await (
      await post('/api/v1/auth/access', { email: user.email, password: user.password })
    ).json()) as {
      access_token: string;
      refresh_token: string;
    };
    await post('/api/v1/auth/access', { email: user.email, password: 'a wrong password 123' });
    await post('/api/v1/auth/refresh', { refresh_token: login.refresh_token });
    await fetch(`${gateway.url}/api/v1/users/me`, { headers: { authorization: `Bearer ${login.access_token}` } });
    await fetch(`${gateway.url}/api/v1/users/me`, { headers: { authorization: 'Bearer forged.token.value' } });
    expect(logs).toContain('request completed');
    for (const secret of [
      user.password,
      'a wrong password 123',
      login.access_token,
      login.refresh_token,
      'forged.token.value',
    ]) {
      expect(logs).not.toContain(secret);
    }
  });
});

describe('request log', () => {
  it('writes one line per request with method, url as received, status, ms and the request id', async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
        done();
      },
    });
    await using gateway = await startGateway(
      { USERS_SERVICE_URL: stack.usersUrl },
      { logger: { ...(loggerOptions('info', false) as object), stream } },
    );
    const url = `/api/v1/users/${user.id}?probe=1`;
    const response = await fetch(`${gateway.url}${url}`, {
      headers: { authorization: `Bearer ${user.access}`, 'x-request-id': 'log-line-probe' },
    });
    expect(response.status).toBe(200);
    const mine = lines.filter((line) => line.reqId === 'log-line-probe');
    expect(mine).toEqual([
      expect.objectContaining({ msg: 'request completed', method: 'GET', url, status: 200, ms: expect.any(Number) }),
    ]);
  });
});

describe('security headers', () => {
  /** Helmet 8's defaults, which every response but the documentation pages carries as is. */
  const HELMET_DEFAULTS = {
    'content-security-policy':
      "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'origin-agent-cluster': '?1',
    'referrer-policy': 'no-referrer',
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
    'x-content-type-options': 'nosniff',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-frame-options': 'SAMEORIGIN',
    'x-permitted-cross-domain-policies': 'none',
    'x-xss-protection': '0',
  };

  it('are on successes, errors and 404s alike', async () => {
    const responses = [
      await fetch(`${stack.gateway.url}/api/v1/users/${user.id}`, {
        headers: { authorization: `Bearer ${user.access}` },
      }),
      await fetch(`${stack.gateway.url}/api/v1/users/me`),
      await fetch(`${stack.gateway.url}/no-such-route`),
      await fetch(`${stack.gateway.url}/api/v1/auth/access`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{',
      }),
      await fetch(`${stack.gateway.url}/healthz`),
    ];
    expect(responses.map((response) => response.status)).toEqual([200, 401, 404, 400, 200]);
    for (const response of responses) {
      for (const [name, value] of Object.entries(HELMET_DEFAULTS)) {
        expect(response.headers.get(name), `${response.url} ${name}`).toBe(value);
      }
      expect(response.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('give /docs and /redoc their own CSP, with the other headers unchanged', async () => {
    for (const path of ['/docs/', '/redoc']) {
      const response = await fetch(`${stack.gateway.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-security-policy'), path).toBe(DOCS_CSP);
      expect(response.headers.get('x-frame-options'), path).toBe('SAMEORIGIN');
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });
});

describe('CORS', () => {
  it('answers preflights for the configured origins only, exposing x-request-id', async () => {
    await using gateway = await startGateway({ USERS_SERVICE_URL: stack.usersUrl, CORS_ORIGINS: 'http://app.test' });
    const preflight = (origin: string) =>
      fetch(`${gateway.url}/api/v1/users/me`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
    const allowed = await preflight('http://app.test');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.test');
    expect((await preflight('http://evil.test')).headers.get('access-control-allow-origin')).toBeNull();
    const simple = await fetch(`${gateway.url}/healthz`, { headers: { origin: 'http://app.test' } });
    expect(simple.headers.get('access-control-expose-headers')).toContain('x-request-id');
  });
});

describe('OPTIONS /api/v1/users/5 with origin http://app.test and Access-Control-Request-Method: PATCH or DELETE', () => {
  it('allows GET, HEAD, POST, PATCH, DELETE, OPTIONS and the authorization, content-type, x-request-id headers', async () => {
    await using gateway = await startGateway({ USERS_SERVICE_URL: stack.usersUrl, CORS_ORIGINS: 'http://app.test' });
    for (const method of ['PATCH', 'DELETE']) {
      const preflight = await fetch(`${gateway.url}/api/v1/users/5`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://app.test',
          'access-control-request-method': method,
          'access-control-request-headers': 'authorization,content-type,x-request-id',
        },
      });
      expect(preflight.status, method).toBeLessThan(300);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('http://app.test');
      const methods = (preflight.headers.get('access-control-allow-methods') ?? '').split(',').map((m) => m.trim());
      expect(methods).toEqual(['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS']);
      const headers = (preflight.headers.get('access-control-allow-headers') ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase());
      expect(headers).toEqual(['authorization', 'content-type', 'x-request-id']);
    }
  });
});

describe('raw requests Node refuses: 20 KB of headers, and the request line "NOT A REQUEST LINE"', () => {
  const expectRawEnvelope = (response: RawResponse, status: number) => {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['x-request-id']).toMatch(UUID);
    expect(response.body).toEqual({
      code: 'BAD_REQUEST',
      message: expect.any(String),
      requestId: response.headers['x-request-id'],
    });
  };

  it('answers headers over 16 KB with 431 in the error envelope, with x-request-id', async () => {
    const raw = await rawExchange(
      stack.gateway.url,
      `GET /healthz HTTP/1.1\r\nhost: gateway.test\r\nx-padding: ${'a'.repeat(20 * 1024)}\r\n\r\n`,
    );
    expectRawEnvelope(parseRawResponse(raw), 431);
  });

  it('answers a malformed request line with 400 in the error envelope, with x-request-id', async () => {
    const raw = await rawExchange(stack.gateway.url, 'NOT A REQUEST LINE\r\n\r\n');
    expectRawEnvelope(parseRawResponse(raw), 400);
  });
});
