import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { ACCESS_TOKEN } from '../../src/auth/access-tokens.js';
import { createApi } from '../helpers/api.js';
import { Conformance, type OpenApiDoc } from '../helpers/conformance.js';
import { startGateway } from '../helpers/gateway.js';
import { type Session, type Stack, uniqueEmail, useStack } from '../helpers/stack.js';

const JWT_SECRET = 'auth-suite-jwt-secret-at-least-32-bytes!!';
let stack: Stack;
let user: Session;

useStack({ JWT_SECRET, ACCESS_TOKEN_TTL: '600' }, async (started) => {
  stack = started;
  user = await stack.newUser();
});

const access = (json: unknown) => stack.api('POST', '/api/v1/auth/access', { json });
const refresh = (token: unknown) => stack.api('POST', '/api/v1/auth/refresh', { json: { refresh_token: token } });
const logout = (token: unknown) => stack.api('POST', '/api/v1/auth/logout', { json: { refresh_token: token } });

describe('POST /api/v1/auth/access', () => {
  it('answers an RFC 6749 token response with a signed access token', async () => {
    const response = await access({ email: user.email, password: user.password });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ token_type: 'bearer', expires_in: 600 });
    const claims = jwt.verify(String(response.body.access_token), JWT_SECRET, {
      algorithms: ['HS256'],
    }) as jwt.JwtPayload;
    expect(claims).toMatchObject({
      sub: String(user.id),
      role: 'user',
      iss: ACCESS_TOKEN.issuer,
      aud: ACCESS_TOKEN.audience,
    });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(600);
    expect(claims.jti).toEqual(expect.any(String));
    expect(claims.sid).toEqual(expect.any(String));
    expect(String(response.body.refresh_token)).toMatch(/^[^.]+\.[^.]+$/);
  });

  it('trims and lower-cases the email before checking it', async () => {
    const response = await access({ email: `  ${user.email.toUpperCase()}  `, password: user.password });
    expect(response.status).toBe(200);
  });

  it('answers 400 with issues for a bad body', async () => {
    for (const json of [{ email: user.email }, { email: 'nope', password: 'x' }, {}]) {
      const response = await access(json);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('BAD_REQUEST');
      expect(Array.isArray(response.body.issues)).toBe(true);
    }
  });

  it('answers the same 401 for a wrong password and an unknown email', async () => {
    const wrong = await access({ email: user.email, password: 'not the password' });
    const unknown = await access({ email: uniqueEmail('ghost'), password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect({ code: wrong.body.code, message: wrong.body.message }).toEqual({
      code: unknown.body.code,
      message: unknown.body.message,
    });
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('answers 403 for an inactive user', async () => {
    const target = await stack.newUser();
    const admin = await stack.admin();
    await stack.api('PATCH', `/api/v1/users/${target.id}`, { token: admin.access, json: { isActive: false } });
    const response = await access({ email: target.email, password: target.password });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('FORBIDDEN');
  });
});

describe('rate limiting of the credential endpoints', () => {
  it('answers 429 with Retry-After past the limit, per IP and email, in the envelope', async () => {
    await using gateway = await startGateway(
      { USERS_SERVICE_URL: stack.usersUrl, JWT_SECRET },
      { authRateLimit: { max: 2, timeWindowMs: 60_000 } },
    );
    const doc = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as OpenApiDoc;
    const conformance = new Conformance(doc);
    const api = createApi(gateway.url, conformance);
    const attempt = (email: string) =>
      api('POST', '/api/v1/auth/access', { json: { email, password: 'wrong password' } });
    const email = uniqueEmail('limited');
    expect((await attempt(email)).status).toBe(401);
    expect((await attempt(email.toUpperCase())).status).toBe(401);
    const limited = await attempt(email);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body).toMatchObject({ code: 'TOO_MANY_REQUESTS', requestId: limited.headers.get('x-request-id') });
    expect((await attempt(uniqueEmail('other'))).status).toBe(401);
    const trpc = await fetch(`${gateway.url}/trpc/auth.access`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'wrong password' }),
    });
    expect(trpc.status).toBe(429);
    expect(conformance.problems).toEqual([]);
  });
});

describe('rate limiting across gateway replicas', () => {
  const redisUrl = process.env.REDIS_URL;
  it.skipIf(!redisUrl)('shares the count through Redis when REDIS_URL is set', async () => {
    const env = { USERS_SERVICE_URL: stack.usersUrl, JWT_SECRET, REDIS_URL: String(redisUrl) };
    const limit = { authRateLimit: { max: 2, timeWindowMs: 60_000 } };
    await using first = await startGateway(env, limit);
    await using second = await startGateway(env, limit);
    const email = uniqueEmail('replicas');
    const attempt = (url: string) =>
      fetch(`${url}/api/v1/auth/access`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'wrong password' }),
      });
    expect((await attempt(first.url)).status).toBe(401);
    expect((await attempt(second.url)).status).toBe(401);
    const limited = await attempt(first.url);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).not.toBeNull();
  });
});

describe('POST /api/v1/auth/refresh', () => {
  it('rotates: answers a new pair, and the old refresh token stops working', async () => {
    const session = await stack.newUser();
    const rotated = await refresh(session.refresh);
    expect(rotated.status).toBe(200);
    expect(rotated.body.refresh_token).not.toBe(session.refresh);
    expect((await stack.api('GET', '/api/v1/users/me', { token: String(rotated.body.access_token) })).status).toBe(200);
    const claims = jwt.decode(String(rotated.body.access_token)) as jwt.JwtPayload;
    expect(claims.sub).toBe(String(session.id));
  });

  it('treats reuse of a rotated token as theft: 401, and the whole session is revoked', async () => {
    const session = await stack.newUser();
    const rotated = await refresh(session.refresh);
    expect(rotated.status).toBe(200);
    const reused = await refresh(session.refresh);
    expect(reused.status).toBe(401);
    expect(reused.body.code).toBe('UNAUTHORIZED');
    const successor = await refresh(rotated.body.refresh_token);
    expect(successor.status).toBe(401);
  });

  it('answers 401 for an unknown or malformed token and 400 for a bad body', async () => {
    expect((await refresh('not-a-token')).status).toBe(401);
    expect((await refresh(`${crypto.randomUUID()}.secret`)).status).toBe(401);
    expect((await stack.api('POST', '/api/v1/auth/refresh', { json: {} })).status).toBe(400);
    expect((await refresh('')).status).toBe(400);
  });
});

describe('POST /api/v1/auth/logout', () => {
  it('revokes the session with 204 and an empty body, idempotently', async () => {
    const session = await stack.newUser();
    const first = await logout(session.refresh);
    expect(first.status).toBe(204);
    expect(first.text).toBe('');
    expect(first.headers.get('content-type')).toBeNull();
    expect((await logout(session.refresh)).status).toBe(204);
    expect((await logout('never-issued')).status).toBe(204);
    expect((await refresh(session.refresh)).status).toBe(401);
  });

  it('answers 400 for a bad body', async () => {
    expect((await stack.api('POST', '/api/v1/auth/logout', { json: { token: 'x' } })).status).toBe(400);
  });
});
