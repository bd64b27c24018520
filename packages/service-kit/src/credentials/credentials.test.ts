import { createHmac, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { mintServiceToken } from '../test/tokens.js';
import { developmentPrivateKey, developmentPublicKey, loadServiceCredentials } from './keys.js';
import { createCredentialMinter } from './mint.js';
import { createCredentialVerifier, ServiceTokenError } from './verify.js';

/** users as it runs in development: trusts the gateway and posts, by their development public keys. */
const users = createCredentialVerifier({
  audience: 'users',
  callerKeys: new Map([
    ['gateway', developmentPublicKey('gateway')],
    ['posts', developmentPublicKey('posts')],
  ]),
});
const bearer = (token: string) => `Bearer ${token}`;
const refused = (token: string, reason: RegExp) => {
  expect(() => users.verify(bearer(token))).toThrow(ServiceTokenError);
  expect(() => users.verify(bearer(token))).toThrow(reason);
};
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('createCredentialMinter and createCredentialVerifier', () => {
  it('round-trips caller and actor: iss names the minter, aud the callee, lifetime 60 s', () => {
    const minter = createCredentialMinter({ identity: 'posts', privateKey: developmentPrivateKey('posts') });
    const token = minter.mint('users', { id: 7, role: 'admin', sessionId: 's-1' });
    expect(users.verify(bearer(token))).toEqual({ caller: 'posts', actor: { id: 7, role: 'admin', sessionId: 's-1' } });
    const claims = jwt.decode(token, { complete: true });
    expect(claims?.header.alg).toBe('ES256');
    expect(claims?.payload).toMatchObject({ iss: 'posts', aud: 'users', sub: '7' });
    const { iat, exp } = (claims?.payload ?? {}) as { iat: number; exp: number };
    expect(exp - iat).toBe(60);
    expect(users.verify(bearer(minter.mint('users', null)))).toEqual({ caller: 'posts', actor: null });
  });

  it('reuses a credential per (audience, actor) until 30 s are left, and mints anew when the role changes', () => {
    const minter = createCredentialMinter({ identity: 'gateway', privateKey: developmentPrivateKey('gateway') });
    const now = 1_900_000_000;
    const first = minter.mint('users', { id: 1, role: 'user', sessionId: 's' }, now);
    expect(minter.mint('users', { id: 1, role: 'user', sessionId: 's' }, now + 29)).toBe(first);
    expect(minter.mint('users', { id: 1, role: 'admin', sessionId: 's' }, now + 29)).not.toBe(first);
    expect(minter.mint('posts', { id: 1, role: 'user', sessionId: 's' }, now + 29)).not.toBe(first);
    expect(minter.mint('users', { id: 1, role: 'user', sessionId: 's' }, now + 30)).not.toBe(first);
  });

  it("refuses a credential signed by posts' key that names gateway (a service cannot impersonate another)", () => {
    const forged = mintServiceToken(
      'users',
      { id: 1, role: 'admin' },
      { issuer: 'gateway', privateKey: developmentPrivateKey('posts') },
    );
    refused(forged, /invalid signature/);
  });

  it('refuses an unknown caller, even one signing with a key of its own', () => {
    refused(mintServiceToken('users', null, { issuer: 'billing' }), /unknown caller "billing"/);
    refused(
      jwt.sign({ aud: 'users' }, developmentPrivateKey('posts'), { algorithm: 'ES256', expiresIn: 30 }),
      /iss is required/,
    );
  });

  it('refuses an expired credential, one for another audience, and one living longer than 60 s', () => {
    refused(mintServiceToken('users', null, { iat: Math.floor(Date.now() / 1000) - 120 }), /expired/);
    refused(mintServiceToken('posts', null), /audience/);
    refused(mintServiceToken('users', null, { expiresInSeconds: 3600 }), /lifetime/);
  });

  it('refuses alg none', () => {
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: 'gateway', aud: 'users', iat: now, exp: now + 30 })}.`;
    expect(() => users.verify(bearer(unsigned))).toThrow(ServiceTokenError);
  });

  it("refuses HS256 signed with the caller's public key as the HMAC secret (algorithm confusion)", () => {
    const now = Math.floor(Date.now() / 1000);
    const publicPem = developmentPublicKey('gateway').export({ type: 'spki', format: 'pem' }).toString();
    const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ iss: 'gateway', aud: 'users', iat: now, exp: now + 30, sub: '1', role: 'admin' })}`;
    const signature = createHmac('sha256', publicPem).update(head).digest('base64url');
    refused(`${head}.${signature}`, /invalid algorithm/);
  });

  it('refuses a missing header and a malformed bearer', () => {
    expect(() => users.verify(undefined)).toThrow('missing bearer token');
    expect(() => users.verify('Basic abc')).toThrow('missing bearer token');
  });
});

describe('loadServiceCredentials', () => {
  it('derives one fixed development key pair per identity, the same in every process', () => {
    const a = developmentPrivateKey('posts').export({ type: 'pkcs8', format: 'der' });
    expect(developmentPrivateKey('gateway').equals(developmentPrivateKey('posts'))).toBe(false);
    expect(a.toString('hex')).toBe(
      loadServiceCredentials({ identity: 'posts', production: false, privateKey: undefined, callerKeys: {} })
        .credentials.privateKey.export({ type: 'pkcs8', format: 'der' })
        .toString('hex'),
    );
  });

  it('uses a configured key pair: its credentials verify only with its public key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { credentials } = loadServiceCredentials({
      identity: 'gateway',
      production: true,
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      callerKeys: {},
    });
    const token = createCredentialMinter(credentials).mint('users', null);
    refused(token, /invalid signature/);
    const strict = createCredentialVerifier({ audience: 'users', callerKeys: new Map([['gateway', publicKey]]) });
    expect(strict.verify(bearer(token)).caller).toBe('gateway');
  });
});
