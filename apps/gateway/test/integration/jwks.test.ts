import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, decodeProtectedHeader, exportJWK, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_TOKEN } from '../../src/auth/access-tokens.js';
import { JWKS_PATH } from '../../src/auth/jwks.js';
import { type Session, type Stack, startStack } from '../helpers/stack.js';

/**
 * Asymmetric access tokens end to end: a gateway signing ES256 or RS256 in front of the real users
 * service, its JWKS read by an independent verifier (jose), key rotation through
 * JWT_PREVIOUS_PUBLIC_KEYS, and the forgeries an asymmetric setup invites.
 */

interface Jwk {
  kty: string;
  kid: string;
  alg: string;
  use: string;
  [member: string]: unknown;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const pem = (key: KeyObject, type: 'pkcs8' | 'spki') => key.export({ format: 'pem', type }).toString();
const pairFor = (alg: 'ES256' | 'RS256') =>
  alg === 'ES256'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : generateKeyPairSync('rsa', { modulusLength: 2048 });

async function expectRejected(stack: Stack, token: string): Promise<void> {
  const response = await stack.api('GET', '/api/v1/users/me', { token });
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
}

describe.each(['ES256', 'RS256'] as const)('JWT_ALGORITHM=%s', (alg) => {
  const current = pairFor(alg);
  const previous = pairFor(alg);
  let stack: Stack;
  let user: Session;
  let jwks: { keys: Jwk[] };

  beforeAll(async () => {
    stack = await startStack({
      JWT_ALGORITHM: alg,
      JWT_PRIVATE_KEY: pem(current.privateKey, 'pkcs8'),
      JWT_PREVIOUS_PUBLIC_KEYS: pem(previous.publicKey, 'spki'),
    });
    user = await stack.newUser();
    const response = await fetch(`${stack.gateway.url}${JWKS_PATH}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/jwk-set\+json(;|$)/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    jwks = (await response.json()) as { keys: Jwk[] };
  });

  afterAll(async () => {
    await stack?.close();
    expect(stack?.conformance.problems ?? []).toEqual([]);
  });

  async function resign(signer: KeyObject, kid: string): Promise<string> {
    const {
      iat: _iat,
      exp: _exp,
      ...claims
    } = JSON.parse(Buffer.from(user.access.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    return new SignJWT(claims).setProtectedHeader({ alg, kid }).setIssuedAt().setExpirationTime('2m').sign(signer);
  }

  it('publishes the current and the previous public key, with kid, alg and use, and nothing private', async () => {
    expect(jwks.keys).toHaveLength(2);
    const expected = [current.publicKey, previous.publicKey].map(async (key) => ({
      ...(await exportJWK(key)),
      kid: await calculateJwkThumbprint(await exportJWK(key)),
      alg,
      use: 'sig',
    }));
    expect(jwks.keys).toEqual(await Promise.all(expected));
    expect(JSON.stringify(jwks)).not.toMatch(/"(d|p|q|dp|dq|qi|k)":/);
  });

  it('signs login tokens that an independent verifier accepts with the JWKS alone', async () => {
    const header = decodeProtectedHeader(user.access);
    expect(header).toMatchObject({ alg, kid: jwks.keys[0]?.kid });
    const { payload } = await jwtVerify(user.access, createLocalJWKSet(jwks as never), {
      algorithms: [alg],
      issuer: ACCESS_TOKEN.issuer,
      audience: ACCESS_TOKEN.audience,
    });
    expect(payload).toMatchObject({ sub: String(user.id), role: 'user' });
    expect(payload.sid).toEqual(expect.any(String));
  });

  it('still accepts a token signed by the previous key (rotation logs no one out)', async () => {
    const token = await resign(previous.privateKey, String(jwks.keys[1]?.kid));
    const response = await stack.api('GET', '/api/v1/users/me', { token });
    expect(response.status).toBe(200);
    expect(response.body.id).toBe(user.id);
  });

  it('refuses a token signed by an unknown key, whether its kid is its own or the current one', async () => {
    const stranger = pairFor(alg);
    const strangerKid = await calculateJwkThumbprint(await exportJWK(stranger.publicKey));
    await expectRejected(stack, await resign(stranger.privateKey, strangerKid));
    await expectRejected(stack, await resign(stranger.privateKey, String(jwks.keys[0]?.kid)));
  });

  it('refuses HS256 keyed with the public key (algorithm confusion) and alg none', async () => {
    const [, payload] = user.access.split('.');
    const kid = jwks.keys[0]?.kid;
    for (const secret of [pem(current.publicKey, 'spki'), JSON.stringify(jwks.keys[0])]) {
      const head = b64url({ alg: 'HS256', typ: 'JWT', kid });
      const signature = createHmac('sha256', secret).update(`${head}.${payload}`).digest('base64url');
      await expectRejected(stack, `${head}.${payload}.${signature}`);
    }
    await expectRejected(stack, `${b64url({ alg: 'none', typ: 'JWT', kid })}.${payload}.`);
  });
});

describe('JWT_ALGORITHM=HS256 (the default)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ JWT_SECRET: 'jwks-suite-hs256-secret-at-least-32-bytes' });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('answers an empty key set: the secret is never published', async () => {
    const response = await fetch(`${stack.gateway.url}${JWKS_PATH}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ keys: [] });
  });

  it('puts a kid in every token, and the OpenAPI document describes the JWKS route at the root', async () => {
    const session = await stack.newUser();
    expect(decodeProtectedHeader(session.access)).toMatchObject({ alg: 'HS256', kid: expect.any(String) });
    const doc = (await stack.api('GET', '/openapi.json')).body as {
      paths: Record<string, { servers?: unknown; get?: { responses: Record<string, { content?: object }> } }>;
    };
    const item = doc.paths[JWKS_PATH];
    expect(item?.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(Object.keys(item?.get?.responses['200']?.content ?? {})).toEqual(['application/jwk-set+json']);
  });
});
