import { createHmac, generateKeyPairSync } from 'node:crypto';
import { createCredentialMinter, developmentPrivateKey } from '@basis/service-kit/credentials';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { ACCESS_TOKEN } from '../../src/auth/access-tokens.js';
import { type Session, type Stack, useStack } from '../helpers/stack.js';

const JWT_SECRET = 'security-suite-jwt-secret-at-least-32-bytes';
let stack: Stack;
let user: Session;

useStack({ JWT_SECRET }, async (started) => {
  stack = started;
  user = await stack.newUser();
});

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function sign(
  payload: Record<string, unknown>,
  options: jwt.SignOptions = {},
  secret: jwt.Secret = JWT_SECRET,
): string {
  return jwt.sign({ role: 'user', sid: 'session', ...payload }, secret, {
    algorithm: 'HS256',
    issuer: ACCESS_TOKEN.issuer,
    audience: ACCESS_TOKEN.audience,
    subject: String(user.id),
    jwtid: 'jti',
    ...('exp' in payload ? {} : { expiresIn: 300 }),
    ...options,
  });
}

async function me(authorization: string) {
  return stack.api('GET', '/api/v1/users/me', { authorization });
}

async function expectRejected(token: string) {
  const response = await me(`Bearer ${token}`);
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  expect(response.body.code).toBe('UNAUTHORIZED');
}

describe('access token verification', () => {
  it('accepts a valid token with the scheme in any letter case', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      expect((await me(`${scheme} ${user.access}`)).status).toBe(200);
    }
  });

  it('rejects alg none', async () => {
    const [, payload] = user.access.split('.');
    await expectRejected(`${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`);
  });

  it('rejects a tampered payload (role raised to admin)', async () => {
    const [header, payload, signature] = user.access.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    await expectRejected(`${header}.${b64url({ ...claims, role: 'admin' })}.${signature}`);
  });

  it('rejects a token signed with another secret', async () => {
    await expectRejected(sign({}, {}, 'another-secret-that-is-long-enough-too!'));
  });

  it('rejects an algorithm other than the pinned HS256, even with the right secret', async () => {
    await expectRejected(sign({}, { algorithm: 'HS512' }));
  });

  it('rejects asymmetric algorithms (RS256, ES256), signed with a key pair of their own', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expectRejected(sign({}, { algorithm: 'RS256' }, rsa.privateKey));
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await expectRejected(sign({}, { algorithm: 'ES256' }, ec.privateKey));
  });

  it('rejects an expired token beyond the clock tolerance', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRejected(sign({ iat: now - 1000, exp: now - 60 }));
  });

  it('rejects a wrong audience and a wrong issuer', async () => {
    await expectRejected(sign({}, { audience: 'someone-else' }));
    await expectRejected(sign({}, { issuer: 'someone-else' }));
  });

  it('rejects a refresh token used as an access token', async () => {
    await expectRejected(user.refresh);
  });

  it('rejects a service token (audience users) used as an access token', async () => {
    const minter = createCredentialMinter({ identity: 'gateway', privateKey: developmentPrivateKey('gateway') });
    await expectRejected(minter.mint('users', { id: user.id, role: 'admin', sessionId: 's' }));
  });

  it('rejects a token whose claims have the wrong shape', async () => {
    await expectRejected(sign({ role: 'root' }));
    await expectRejected(sign({}, { subject: 'not-a-number' }));
    await expectRejected(sign({ sid: undefined }));
  });

  it('rejects a hand-made HS256 token without exp', async () => {
    const header = b64url({ alg: 'HS256', typ: 'JWT' });
    const payload = b64url({
      sub: String(user.id),
      role: 'user',
      sid: 's',
      jti: 'j',
      iat: 1,
      iss: ACCESS_TOKEN.issuer,
      aud: ACCESS_TOKEN.audience,
    });
    const signature = createHmac('sha256', JWT_SECRET).update(`${header}.${payload}`).digest('base64url');
    await expectRejected(`${header}.${payload}.${signature}`);
  });
});

describe('an access token signed with the secret, with iat one hour in the future', () => {
  it('is rejected with 401 invalid_token, though its signature, exp and session are good', async () => {
    const { sid } = jwt.decode(user.access) as jwt.JwtPayload;
    const now = Math.floor(Date.now() / 1000);
    const future = sign({ sid, iat: now + 3600 }, { expiresIn: 900 });
    await expectRejected(future);
    // The same token issued now is accepted: only the iat differs.
    expect((await me(`Bearer ${sign({ sid, iat: now }, { expiresIn: 900 })}`)).status).toBe(200);
  });
});
