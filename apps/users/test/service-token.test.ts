import { createHmac, generateKeyPairSync } from 'node:crypto';
import { developmentPrivateKey, developmentPublicKey } from '@basis/service-kit/credentials';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../src/db/client.js';
import { expectTRPCError } from './support/assertions.js';
import { mintServiceToken, startServer, type TestServer } from './support/server.js';

const now = () => Math.floor(Date.now() / 1000);
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const GATEWAY = developmentPrivateKey('gateway');

/** Tokens the service must refuse, each broken in exactly one way. */
const refusedTokens: [string, () => string | undefined][] = [
  ['a missing Authorization header', () => undefined],
  ['a non-Bearer scheme', () => `Basic ${Buffer.from('gateway:secret').toString('base64')}`],
  ['an empty bearer token', () => 'Bearer '],
  ['a malformed token', () => 'Bearer not.a.jwt'],
  [
    'a token signed with a key the service does not know',
    () => `Bearer ${mintServiceToken(null, { privateKey: ec.privateKey })}`,
  ],
  [
    "a token signed by posts' key that names gateway",
    () => `Bearer ${mintServiceToken({ id: 1, role: 'admin' }, { privateKey: developmentPrivateKey('posts') })}`,
  ],
  ['a token for another audience', () => `Bearer ${mintServiceToken(null, { audience: 'billing' })}`],
  ['a token from an unknown caller', () => `Bearer ${mintServiceToken(null, { issuer: 'someone-else' })}`],
  ['an expired token', () => `Bearer ${mintServiceToken(null, { iat: now() - 120, expiresInSeconds: 30 })}`],
  ['a token living longer than 60 seconds', () => `Bearer ${mintServiceToken(null, { expiresInSeconds: 3600 })}`],
  ['a token issued in the future', () => `Bearer ${mintServiceToken(null, { iat: now() + 600 })}`],
  [
    'an unsigned token (alg none)',
    () =>
      `Bearer ${jwt.sign({ iat: now(), exp: now() + 30 }, null, { algorithm: 'none', audience: 'users', issuer: 'gateway' })}`,
  ],
  [
    'a token signed with RS256 (an asymmetric algorithm)',
    () =>
      `Bearer ${jwt.sign({ iat: now(), exp: now() + 30 }, rsa.privateKey, { algorithm: 'RS256', audience: 'users', issuer: 'gateway' })}`,
  ],
  [
    "an HS256 token keyed with the gateway's public key (algorithm confusion)",
    () => {
      const pem = developmentPublicKey('gateway').export({ type: 'spki', format: 'pem' }).toString();
      const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ iss: 'gateway', aud: 'users', iat: now(), exp: now() + 30 })}`;
      return `Bearer ${head}.${createHmac('sha256', pem).update(head).digest('base64url')}`;
    },
  ],
  [
    'a token without exp',
    () => `Bearer ${jwt.sign({ iat: now() }, GATEWAY, { algorithm: 'ES256', audience: 'users', issuer: 'gateway' })}`,
  ],
  [
    'a token whose sub has no role',
    () =>
      `Bearer ${jwt.sign({ sub: '1', iat: now(), exp: now() + 30 }, GATEWAY, { algorithm: 'ES256', audience: 'users', issuer: 'gateway' })}`,
  ],
  [
    'a token whose sub is not a user id',
    () =>
      `Bearer ${jwt.sign({ sub: 'ada', role: 'user', iat: now(), exp: now() + 30 }, GATEWAY, { algorithm: 'ES256', audience: 'users', issuer: 'gateway' })}`,
  ],
];

describe('the service credential over HTTP', () => {
  let db: DatabaseHandle;
  let server: TestServer;

  beforeAll(async () => {
    db = await openDatabase({ pgliteDataDir: 'memory://' });
    server = await startServer(db);
  });
  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
    await db?.close();
  });

  it.each(refusedTokens)('answers 401 UNAUTHORIZED to %s', async (_, header) => {
    const error = await expectTRPCError(
      server.rawClient(header()).users.create.mutate({ email: 'ada@example.com', password: 'correct horse' }),
      'UNAUTHORIZED',
      'Missing or invalid service token',
    );
    expect((error.data as { httpStatus?: number }).httpStatus).toBe(401);
  });

  it('answers 401 to a call without a token even on an unknown procedure', async () => {
    const response = await fetch(`${server.url}/trpc/users.nope`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await response.json()).toMatchObject({
      error: { data: { code: 'UNAUTHORIZED', httpStatus: 401, reason: 'SERVICE_TOKEN_REJECTED' } },
    });
  });

  it('answers a batch call without a token with one UNAUTHORIZED error per procedure', async () => {
    const response = await fetch(`${server.url}/trpc/users.list,users.me?batch=1&input=%7B%7D`);
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { data: { code: string; path: string } } }[];
    expect(body.map((item) => [item.error.data.code, item.error.data.path])).toEqual([
      ['UNAUTHORIZED', 'users.list'],
      ['UNAUTHORIZED', 'users.me'],
    ]);
  });

  it('tolerates a few seconds of clock skew', async () => {
    const late = server.client(null, { iat: now() - 32, expiresInSeconds: 30 });
    await expect(
      late.users.create.mutate({ email: 'skew@example.com', password: 'correct horse' }),
    ).resolves.toMatchObject({
      email: 'skew@example.com',
    });
  });

  it('answers a valid token', async () => {
    await expect(
      server.client().users.create.mutate({ email: 'ok@example.com', password: 'correct horse' }),
    ).resolves.toMatchObject({
      email: 'ok@example.com',
    });
  });

  it('serves /healthz and /readyz without a token', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const ready = await fetch(`${server.url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ok' }]);
  });

  it('keeps a valid incoming x-request-id and makes one up otherwise', async () => {
    const kept = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'req-123' } });
    expect(kept.headers.get('x-request-id')).toBe('req-123');
    const replaced = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
