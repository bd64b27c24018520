import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ACCESS_TOKEN,
  createAccessTokenVerifier,
  InvalidAccessTokenError,
  signAccessToken,
  verifyAccessToken,
} from '../../src/auth/access-tokens.js';
import { bearerChallenge, readBearer } from '../../src/auth/bearer.js';
import { loadSigningKeys } from '../../src/auth/signing-keys.js';

const SECRET = 'unit-secret-unit-secret-unit-secret!';
const options = { keys: loadSigningKeys({ algorithm: 'HS256', secret: SECRET }), ttlSeconds: 900 };
const actor = { id: 42, role: 'user', sessionId: 'sess-1' } as const;

describe('access tokens', () => {
  it('round-trips sub, role and sid, with jti, iss, aud and a ttl in seconds', () => {
    const token = signAccessToken(actor, options);
    expect(verifyAccessToken(token, options)).toEqual(actor);
    const claims = jwt.decode(token, { complete: true });
    expect(claims?.header.alg).toBe('HS256');
    const payload = claims?.payload as jwt.JwtPayload;
    expect(payload).toMatchObject({ sub: '42', iss: ACCESS_TOKEN.issuer, aud: ACCESS_TOKEN.audience });
    expect(Number(payload.exp) - Number(payload.iat)).toBe(900);
    expect(signAccessToken(actor, options)).not.toBe(token);
  });

  it('tolerates a few seconds of clock skew, not more', () => {
    const now = Math.floor(Date.now() / 1000);
    const sign = (exp: number) =>
      jwt.sign({ role: 'user', sid: 's', exp, iat: now - 100 }, SECRET, {
        issuer: ACCESS_TOKEN.issuer,
        audience: ACCESS_TOKEN.audience,
        subject: '1',
        jwtid: 'j',
      });
    expect(verifyAccessToken(sign(now - 2), options).id).toBe(1);
    expect(() => verifyAccessToken(sign(now - 30), options)).toThrow(InvalidAccessTokenError);
  });

  it('rejects a token whose iat is in the future beyond the clock tolerance, and tolerates a few seconds', () => {
    const now = Math.floor(Date.now() / 1000);
    const sign = (iat: number) =>
      jwt.sign({ role: 'user', sid: 's', iat, exp: iat + 900 }, SECRET, {
        issuer: ACCESS_TOKEN.issuer,
        audience: ACCESS_TOKEN.audience,
        subject: '1',
        jwtid: 'j',
      });
    expect(verifyAccessToken(sign(now + 2), options).id).toBe(1);
    expect(() => verifyAccessToken(sign(now + 60), options)).toThrow(InvalidAccessTokenError);
    expect(() => verifyAccessToken(sign(now + 3600), options)).toThrow('issued in the future');
  });

  it('rejects an opaque refresh token and garbage', () => {
    expect(() => verifyAccessToken('0b7c5e0a-aaaa.bbbb', options)).toThrow(InvalidAccessTokenError);
    expect(() => verifyAccessToken('', options)).toThrow(InvalidAccessTokenError);
  });

  it('accepts a token signed from the secret as a string: the key has the same bytes', () => {
    const token = jwt.sign({ role: 'user', sid: 's' }, SECRET, {
      issuer: ACCESS_TOKEN.issuer,
      audience: ACCESS_TOKEN.audience,
      subject: '7',
      jwtid: 'j',
      expiresIn: 60,
    });
    expect(verifyAccessToken(token, options).id).toBe(7);
  });

  it('rejects alg none and asymmetric algorithms with the HMAC key pinned to HS256', () => {
    const claims = { role: 'user', sid: 's' };
    const signOptions = { issuer: ACCESS_TOKEN.issuer, audience: ACCESS_TOKEN.audience, subject: '1', jwtid: 'j' };
    const unsigned = jwt.sign(claims, null, { ...signOptions, algorithm: 'none' });
    expect(() => verifyAccessToken(unsigned, options)).toThrow(InvalidAccessTokenError);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rs256 = jwt.sign(claims, privateKey, { ...signOptions, algorithm: 'RS256', expiresIn: 60 });
    expect(() => verifyAccessToken(rs256, options)).toThrow(InvalidAccessTokenError);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const es256 = jwt.sign(claims, ec.privateKey, { ...signOptions, algorithm: 'ES256', expiresIn: 60 });
    expect(() => verifyAccessToken(es256, options)).toThrow(InvalidAccessTokenError);
  });
});

describe('readBearer', () => {
  it('reads the token with the scheme in any case', () => {
    expect(readBearer('Bearer abc.def-ghi_jkl')).toEqual({ kind: 'token', token: 'abc.def-ghi_jkl' });
    expect(readBearer('bEaReR abc')).toEqual({ kind: 'token', token: 'abc' });
  });

  it('tells a missing header from a malformed one', () => {
    expect(readBearer(undefined)).toEqual({ kind: 'missing' });
    expect(readBearer('')).toEqual({ kind: 'missing' });
    for (const header of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer ä', 'bearer  a b']) {
      expect(readBearer(header), header).toEqual({ kind: 'malformed' });
    }
  });

  it('reads another scheme as no bearer credentials (RFC 6750 §3.1: no error code)', () => {
    for (const header of ['Basic abc', 'Bearerabc', 'Digest username="a"', 'Token abc']) {
      expect(readBearer(header), header).toEqual({ kind: 'missing' });
    }
  });

  it('challenges with error="invalid_token" only when credentials were sent (RFC 6750 §3)', () => {
    expect(bearerChallenge(false)).toBe('Bearer');
    expect(bearerChallenge(true)).toBe('Bearer error="invalid_token"');
  });
});

describe('remembered access tokens', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers a token it verified again from memory, until its exp plus the clock tolerance', () => {
    vi.useFakeTimers({ now: new Date('2026-12-01T00:00:00Z') });
    const verify = createAccessTokenVerifier(options);
    const token = signAccessToken(actor, options);
    const first = verify(token);
    expect(first).toEqual(actor);
    expect(verify(token)).toBe(first);
    // 900 s of lifetime and 5 s of tolerance: still valid at +904 s, refused from +905 s on.
    vi.setSystemTime(new Date('2026-12-01T00:15:04Z'));
    expect(verify(token)).toBe(first);
    vi.setSystemTime(new Date('2026-12-01T00:15:05Z'));
    expect(() => verify(token)).toThrow(InvalidAccessTokenError);
  });

  it('does not remember refusals, and checks every other token on its own', () => {
    const verify = createAccessTokenVerifier(options, 2);
    const forged = jwt.sign({ role: 'admin', sid: 's' }, 'another-secret-another-secret-another!', {
      issuer: ACCESS_TOKEN.issuer,
      audience: ACCESS_TOKEN.audience,
      subject: '1',
      expiresIn: 900,
    });
    expect(() => verify(forged)).toThrow(InvalidAccessTokenError);
    expect(() => verify(forged)).toThrow(InvalidAccessTokenError);
    const tokens = [1, 2, 3].map((id) => signAccessToken({ ...actor, id }, options));
    expect(tokens.map((token) => verify(token).id)).toEqual([1, 2, 3]);
    // Past its capacity the oldest is dropped, and checked again when it comes back.
    expect(verify(tokens[0] as string).id).toBe(1);
  });
});
