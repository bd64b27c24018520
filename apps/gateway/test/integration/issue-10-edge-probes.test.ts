import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { ACCESS_TOKEN } from '../../src/auth/access-tokens.js';
import { parseRawResponse, type RawResponse, rawExchange, rawRequest } from '../helpers/raw-http.js';
import { type Session, type Stack, uniqueEmail, useStack } from '../helpers/stack.js';

// Regression tests for issue 10's edge items 1–6 and 8–10: each describe names the reported input.

const JWT_SECRET = 'edge-probes-suite-jwt-secret-at-least-32-bytes';
let stack: Stack;
let user: Session;

useStack({ JWT_SECRET }, async (started) => {
  stack = started;
  user = await stack.newUser();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The envelope with its request id echoed in `x-request-id`, and helmet's headers. */
function expectRawEnvelope(response: RawResponse, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.body).toMatchObject({ code, message: expect.any(String) });
  expect(response.body.requestId).toBe(response.headers['x-request-id']);
  expect(response.headers['x-request-id']).toMatch(UUID);
  expect(response.headers['x-content-type-options']).toBe('nosniff');
  expect(response.headers['content-security-policy']).toContain("default-src 'self'");
}

const deep = (depth: number, open: string, close: string, inner = '1') =>
  `${open.repeat(depth)}${inner}${close.repeat(depth)}`;

describe('item 1: a 5000-level nested JSON body (arrays or objects)', () => {
  const bodies = {
    arrays: deep(5000, '[', ']'),
    objects: deep(5000, '{"a":', '}'),
    'arrays under a valid field': `{"email":"a@example.com","password":"long enough","x":${deep(5000, '[', ']')}}`,
  };

  for (const [name, raw] of Object.entries(bodies)) {
    it(`answers 400 (not 500) on POST /api/v1/users with nested ${name}`, async () => {
      const response = await stack.api('POST', '/api/v1/users', { raw, contentType: 'application/json' });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/nested/) });
    });

    it(`answers 400 (not 500) on POST /trpc/users.create and a batch with nested ${name}`, async () => {
      for (const path of ['/trpc/users.create', '/trpc/users.create,users.create?batch=1']) {
        const response = await fetch(`${stack.gateway.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: raw,
        });
        expect(response.status, path).toBe(400);
      }
    });
  }

  it('answers 400 in the envelope to GET /trpc/users.list?input= nested 65 deep (alone or in a batch), and runs 63', async () => {
    const input = (depth: number) => encodeURIComponent(JSON.stringify({ x: JSON.parse(deep(depth, '[', ']', '')) }));
    for (const path of [
      `/trpc/users.list?input=${input(65)}`,
      `/trpc/users.list,users.me?batch=1&input=${encodeURIComponent(`{"0":${decodeURIComponent(input(65))}}`)}`,
    ]) {
      const response = await rawRequest(stack.gateway.url, 'GET', path, {
        headers: { authorization: `Bearer ${user.access}` },
      });
      expectRawEnvelope(response, 400, 'BAD_REQUEST');
      expect(response.body.message).toBe('The input query parameter is nested deeper than 64 levels');
    }
    const fine = await fetch(`${stack.gateway.url}/trpc/users.list?input=${input(63)}`, {
      headers: { authorization: `Bearer ${user.access}` },
    });
    expect(fine.status).toBe(200);
  });

  it('still accepts ordinary nesting, and strings full of brackets', async () => {
    const response = await stack.api('POST', '/api/v1/users', {
      json: { email: uniqueEmail('brackets'), password: `${'['.repeat(60)}${'{'.repeat(60)}` },
    });
    expect(response.status).toBe(201);
  });
});

describe('item 2: HEAD on /api/v1 and /trpc paths', () => {
  const head = (path: string, token?: string) =>
    fetch(`${stack.gateway.url}${path}`, {
      method: 'HEAD',
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it('answers HEAD /api/v1/users/me as GET without a body: 401 without a token, 200 with one', async () => {
    const anonymous = await head('/api/v1/users/me');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect(await anonymous.text()).toBe('');
    const authenticated = await head('/api/v1/users/me', user.access);
    expect(authenticated.status).toBe(200);
    expect(await authenticated.text()).toBe('');
    expect((await head(`/api/v1/users/${user.id}`, user.access)).status).toBe(200);
  });

  it('answers 404 on unknown paths and 405 where there is no GET', async () => {
    expect((await head('/api/v1/nothing-here')).status).toBe(404);
    const login = await head('/api/v1/auth/access');
    expect(login.status).toBe(405);
    expect(login.headers.get('allow')).toBe('POST');
  });

  it('answers HEAD /trpc/users.me as GET: 401 without a token, 200 with one, 404 for no procedure', async () => {
    expect((await head('/trpc/users.me')).status).toBe(401);
    const authenticated = await head('/trpc/users.me', user.access);
    expect(authenticated.status).toBe(200);
    expect(await authenticated.text()).toBe('');
    expect((await head('/trpc/nothing.here')).status).toBe(404);
  });
});

describe('item 2 on the operational paths: HEAD /docs, /openapi.json, /healthz, /readyz, /metrics, /redoc', () => {
  it.each(['/docs', '/docs/', '/openapi.json', '/healthz', '/readyz', '/metrics', '/redoc', '/.well-known/jwks.json'])(
    'answers HEAD %s as GET without a body',
    async (path) => {
      const get = await rawRequest(stack.gateway.url, 'GET', path);
      const head = await rawRequest(stack.gateway.url, 'HEAD', path);
      expect(get.status).toBe(200);
      expect(head.status).toBe(200);
      expect(head.text).toBe('');
      expect(head.headers['content-type']).toBe(get.headers['content-type']);
    },
  );
});

describe('item 3: PUT /api/v1/users/me, DELETE /api/v1/users/me, POST /api/v1/users/5', () => {
  it('answers a wrong method on a known path with 405, Allow and the envelope', async () => {
    for (const [method, path, allow] of [
      ['PUT', '/api/v1/users/me', 'GET, HEAD, PATCH'],
      ['POST', '/api/v1/users/5', 'GET, HEAD, PATCH, DELETE'],
      ['DELETE', '/api/v1/users', 'GET, HEAD, POST'],
      ['GET', '/api/v1/auth/logout', 'POST'],
    ] as const) {
      const response = await stack.api(method, path, { token: user.access });
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get('allow')).toBe(allow);
      expect(response.body).toMatchObject({
        code: 'METHOD_NOT_SUPPORTED',
        requestId: response.headers.get('x-request-id'),
      });
    }
  });

  it('never routes DELETE /api/v1/users/me to /users/{id}: 405, and the user is still there', async () => {
    const response = await stack.api('DELETE', '/api/v1/users/me', { token: user.access });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, PATCH');
    expect((await stack.api('GET', '/api/v1/users/me', { token: user.access })).status).toBe(200);
  });
});

describe('item 3 on every path: each method a path does not serve, on the REST routes and the operational ones', () => {
  const OTHER_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'];
  const OPERATIONAL = ['/openapi.json', '/docs', '/docs/', '/docs/json', '/redoc', '/healthz', '/readyz', '/metrics'];

  it('answers 405 with Allow and the envelope, whatever the body, never 404 or the handler', async () => {
    const doc = (await (await fetch(`${stack.gateway.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const paths: [string, string[]][] = [
      ...Object.entries(doc.paths)
        .filter(([template]) => !template.startsWith('/.well-known'))
        .map(([template, item]): [string, string[]] => [
          `/api/v1${template.replace(/\{[^}]+\}/g, '1')}`,
          Object.keys(item).map((method) => method.toUpperCase()),
        ]),
      ...OPERATIONAL.map((path): [string, string[]] => [path, ['GET']]),
      ['/.well-known/jwks.json', ['GET']],
      ['/trpc/users.me', ['GET', 'POST']],
    ];
    expect(paths.length).toBeGreaterThan(OPERATIONAL.length + 8);
    const order = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'QUERY'];
    for (const [path, served] of paths) {
      const allowed = served.includes('GET') ? [...served, 'HEAD'] : served;
      const allow = order.filter((method) => allowed.includes(method)).join(', ');
      for (const method of OTHER_METHODS.filter((m) => !allowed.includes(m))) {
        // Node's client sends a GET, DELETE, OPTIONS or TRACE body unframed unless told its length.
        const body = '{ not json';
        const response = await rawRequest(stack.gateway.url, method, path, {
          headers: {
            authorization: `Bearer ${user.access}`,
            'content-type': 'text/plain',
            'content-length': String(body.length),
          },
          body,
        });
        expect(response.status, `${method} ${path}`).toBe(405);
        expect(response.headers.allow, `${method} ${path}`).toBe(allow);
        expectRawEnvelope(response, 405, 'METHOD_NOT_SUPPORTED');
      }
    }
  });
});

describe('item 4: GET /api/v1/users/%ZZ, /%C0%AF, /%FF (malformed percent-encoding)', () => {
  it.each(['/api/v1/users/%ZZ', '/api/v1/users/%C0%AF', '/api/v1/users/%FF', '/api/%E0%A4%A/users'])(
    'answers %s with 400 in the envelope, with x-request-id and security headers',
    async (path) => {
      const response = await rawRequest(stack.gateway.url, 'GET', path, {
        headers: { authorization: `Bearer ${user.access}` },
      });
      expectRawEnvelope(response, 400, 'BAD_REQUEST');
    },
  );

  it('leaves well-formed encodings alone: the id spelled %3X per digit is the id', async () => {
    const spelled = [...String(user.id)].map((digit) => `%3${digit}`).join('');
    const response = await rawRequest(stack.gateway.url, 'GET', `/api/v1/users/${spelled}`, {
      headers: { authorization: `Bearer ${user.access}` },
    });
    expect(response.status).toBe(200);
    expect(response.body.id).toBe(user.id);
  });
});

describe('item 4 in the query string, in an absolute-form target and in an overlong segment', () => {
  it.each([
    '/api/v1/users?limit=%ZZ',
    '/api/v1/users?%FF=1',
    '/api/v1/posts?limit=5&offset=%C0%AF',
    '/trpc/users.me?input=%ZZ',
    '/healthz?a=%',
  ])('answers %s with 400 naming the query string, in the envelope', async (path) => {
    const response = await rawRequest(stack.gateway.url, 'GET', path, {
      headers: { authorization: `Bearer ${user.access}` },
    });
    expectRawEnvelope(response, 400, 'BAD_REQUEST');
    expect(response.body.message).toBe('The query string has malformed percent-encoding');
  });

  it.each(['GET http://[::1/api/v1/users/me', 'GET ftp://gateway.test/healthz', 'GET http://gateway.test/%ZZ'])(
    'answers the request line %s with 400 in the envelope, not Fastify’s FST_ERR_BAD_URL',
    async (line) => {
      const raw = await rawExchange(
        stack.gateway.url,
        `${line} HTTP/1.1\r\nhost: gateway.test\r\nconnection: close\r\n\r\n`,
      );
      expectRawEnvelope(parseRawResponse(raw), 400, 'BAD_REQUEST');
    },
  );

  it('routes a valid absolute-form target by its path: GET http://gateway.test/api/v1/users/me', async () => {
    const raw = await rawExchange(
      stack.gateway.url,
      `GET http://gateway.test/api/v1/users/me HTTP/1.1\r\nhost: gateway.test\r\nauthorization: Bearer ${user.access}\r\nconnection: close\r\n\r\n`,
    );
    const response = parseRawResponse(raw);
    expect(response.status).toBe(200);
    expect(response.body.id).toBe(user.id);
  });

  it.each(['/api/v1/users/', '/trpc/'])(
    'answers %s followed by a 6000-character segment with 414 in the envelope, not FST_ERR_MAX_PARAM_LENGTH',
    async (prefix) => {
      const response = await rawRequest(stack.gateway.url, 'GET', `${prefix}${'a'.repeat(6000)}`, {
        headers: { authorization: `Bearer ${user.access}` },
      });
      expectRawEnvelope(response, 414, 'BAD_REQUEST');
      expect(response.text.length).toBeLessThan(500);
    },
  );
});

describe('item 5: POST /api/v1/auth/access and /auth/refresh answers', () => {
  const expectNoStore = (response: { headers: Headers }) => {
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
  };

  it('carry Cache-Control: no-store and Pragma: no-cache, on success and on error', async () => {
    const login = await stack.api('POST', '/api/v1/auth/access', {
      json: { email: user.email, password: user.password },
    });
    expect(login.status).toBe(200);
    expectNoStore(login);
    const wrong = await stack.api('POST', '/api/v1/auth/access', {
      json: { email: user.email, password: 'a wrong password' },
    });
    expect(wrong.status).toBe(401);
    expectNoStore(wrong);
    const refreshed = await stack.api('POST', '/api/v1/auth/refresh', {
      json: { refresh_token: login.body.refresh_token },
    });
    expect(refreshed.status).toBe(200);
    expectNoStore(refreshed);
    const reused = await stack.api('POST', '/api/v1/auth/refresh', {
      json: { refresh_token: login.body.refresh_token },
    });
    expect(reused.status).toBe(401);
    expectNoStore(reused);
  });
});

describe('item 5 on refusals before the handler: malformed JSON, a wrong content-type, an empty JSON body', () => {
  it('carry Cache-Control: no-store and Pragma: no-cache too', async () => {
    for (const [path, raw, contentType, status] of [
      ['/api/v1/auth/access', '{', 'application/json', 400],
      ['/api/v1/auth/refresh', '{"refresh_token":', 'application/json', 400],
      ['/api/v1/auth/refresh', 'x', 'text/plain', 415],
      ['/api/v1/auth/access', '', 'application/json', 400],
    ] as const) {
      const response = await stack.api('POST', path, { raw, contentType });
      expect(response.status, `${path} ${raw}`).toBe(status);
      expect(response.headers.get('cache-control'), `${path} ${raw}`).toBe('no-store');
      expect(response.headers.get('pragma'), `${path} ${raw}`).toBe('no-cache');
    }
  });
});

describe('item 5 over tRPC: POST /trpc/auth.access', () => {
  it('carries Cache-Control: no-store and Pragma: no-cache too', async () => {
    const response = await fetch(`${stack.gateway.url}/trpc/auth.access`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: user.password }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
  });
});

describe('item 6: GET /api/v1/users/me with two Authorization headers', () => {
  it.each(['/api/v1/users/me', '/trpc/users.me'])('answers 400 on %s instead of using the first', async (path) => {
    const raw = await rawExchange(
      stack.gateway.url,
      `GET ${path} HTTP/1.1\r\nhost: gateway.test\r\nauthorization: Bearer ${user.access}\r\n` +
        'Authorization: Bearer forged.token.value\r\nconnection: close\r\n\r\n',
    );
    expectRawEnvelope(parseRawResponse(raw), 400, 'BAD_REQUEST');
  });
});

describe('item 6 for the other fields a request may carry once: Host, Content-Type, Idempotency-Key', () => {
  const logout = (extra: string) => {
    const body = JSON.stringify({ refresh_token: 'a.b' });
    return rawExchange(
      stack.gateway.url,
      `POST /api/v1/auth/logout HTTP/1.1\r\nhost: gateway.test\r\n${extra}` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  };

  it.each([
    ['Host', 'content-type: application/json\r\nHost: other.test\r\n'],
    ['Content-Type', 'content-type: application/json\r\nContent-Type: text/plain\r\n'],
    ['Content-Type', 'content-type: text/plain\r\ncontent-type: application/json\r\n'],
    ['Idempotency-Key', 'content-type: application/json\r\nidempotency-key: a\r\nIdempotency-Key: b\r\n'],
  ])('answers two %s headers with 400 in the envelope, before any handler', async (name, extra) => {
    const response = parseRawResponse(await logout(extra));
    expectRawEnvelope(response, 400, 'BAD_REQUEST');
    expect(response.body.message).toBe(`Send one ${name} header, not several`);
  });

  it('still serves one of each', async () => {
    // Not rawExchange: it half-closes the connection, and the server would not wait for users' answer.
    const response = await rawRequest(stack.gateway.url, 'POST', '/api/v1/auth/logout', {
      headers: { host: 'gateway.test', 'content-type': 'application/json', 'idempotency-key': 'once' },
      body: JSON.stringify({ refresh_token: 'a.b' }),
    });
    expect(response.status).toBe(204);
  });
});

describe('item 8: an access token with exp ten years after iat, and a request without Host', () => {
  const sign = (lifetimeSeconds: number) => {
    const { sid } = jwt.decode(user.access) as jwt.JwtPayload;
    const now = Math.floor(Date.now() / 1000);
    return jwt.sign({ role: 'user', sid, iat: now, exp: now + lifetimeSeconds }, JWT_SECRET, {
      algorithm: 'HS256',
      issuer: ACCESS_TOKEN.issuer,
      audience: ACCESS_TOKEN.audience,
      subject: String(user.id),
      jwtid: 'jti',
    });
  };

  it('refuses a token living longer than ACCESS_TOKEN_TTL (900 s) plus the leeway, with 401 invalid_token', async () => {
    for (const lifetime of [10 * 365 * 86_400, 900 + 60]) {
      const response = await stack.api('GET', '/api/v1/users/me', { token: sign(lifetime) });
      expect(response.status, String(lifetime)).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    }
    expect((await stack.api('GET', '/api/v1/users/me', { token: sign(900) })).status).toBe(200);
  });

  it('answers an HTTP/1.1 request without Host with 400 in the envelope', async () => {
    const raw = await rawExchange(stack.gateway.url, 'GET /api/v1/users/me HTTP/1.1\r\nconnection: close\r\n\r\n');
    expectRawEnvelope(parseRawResponse(raw), 400, 'BAD_REQUEST');
  });
});

describe('item 9: GET /api/v1/users?limit=1e1, 0x10, %205, 05 and an empty limit=', () => {
  it.each(['1e1', '0x10', '%205', '05', '', '+5', '5.0'])('answers ?limit=%s with 400 naming limit', async (value) => {
    const response = await stack.api('GET', `/api/v1/users?limit=${value}`, { token: user.access });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('BAD_REQUEST');
    expect(response.body.message).toContain('limit');
    expect(response.body.issues).toEqual([
      expect.objectContaining({ path: ['limit'], message: expect.stringContaining('limit') }),
    ]);
  });

  it('reads decimal digits, and applies the default when the parameter is absent', async () => {
    expect((await stack.api('GET', '/api/v1/users?limit=10&offset=0', { token: user.access })).body).toMatchObject({
      limit: 10,
      offset: 0,
    });
    expect((await stack.api('GET', '/api/v1/users', { token: user.access })).body).toMatchObject({ limit: 50 });
    const offset = await stack.api('GET', '/api/v1/users?offset=01', { token: user.access });
    expect(offset.status).toBe(400);
    expect(offset.body.issues).toEqual([expect.objectContaining({ path: ['offset'] })]);
  });
});

describe('item 10: POST /api/v1/auth/logout and POST /api/v1/users with no body and no content-type', () => {
  it.each(['/api/v1/auth/logout', '/api/v1/users'])('answers %s with 400 naming the missing body', async (path) => {
    const response = await stack.api('POST', path);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/body/i) });
  });

  it('answers a gzip-encoded JSON body with 415 naming Content-Encoding, not as malformed JSON', async () => {
    const response = await rawRequest(stack.gateway.url, 'POST', '/api/v1/auth/logout', {
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: '\u001f\u008b not really gzip',
    });
    expectRawEnvelope(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(response.body.message).toMatch(/Content-Encoding/);
    const identity = await stack.api('POST', '/api/v1/auth/logout', {
      json: { refresh_token: 'a.b' },
      headers: { 'content-encoding': 'identity' },
    });
    expect(identity.status).toBe(204);
  });

  it('keeps 415 for a wrong content-type, and 400 for a body that is not a JSON object', async () => {
    expect((await stack.api('POST', '/api/v1/auth/logout', { raw: 'x', contentType: 'text/plain' })).status).toBe(415);
    for (const json of [['refresh_token'], null, 'refresh_token', 7]) {
      const response = await stack.api('POST', '/api/v1/auth/logout', { json });
      expect(response.status, JSON.stringify(json)).toBe(400);
      expect(response.body.message).toMatch(/JSON object/);
    }
  });
});
