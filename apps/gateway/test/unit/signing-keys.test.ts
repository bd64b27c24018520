import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { InvalidAccessTokenError, signAccessToken, verifyAccessToken } from '../../src/auth/access-tokens.js';
import { DEV_PRIVATE_KEYS } from '../../src/auth/dev-keys.js';
import { jwkThumbprint, loadSigningKeys, SigningKeyError, splitPemList } from '../../src/auth/signing-keys.js';
import { EnvError, parseEnv } from '../../src/env.js';

const pem = (key: KeyObject, type: 'pkcs8' | 'spki') => key.export({ format: 'pem', type }).toString();
const ecPair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsaPair = (bits = 2048) => generateKeyPairSync('rsa', { modulusLength: bits });
const actor = { id: 7, role: 'user', sessionId: 's-1' } as const;
const STRONG = 'x'.repeat(32);

describe('jwkThumbprint', () => {
  it('gives the RFC 7638 §3.1 example thumbprint', () => {
    const n =
      '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';
    expect(jwkThumbprint({ kty: 'RSA', n, e: 'AQAB', alg: 'RS256', kid: '2011-04-29' })).toBe(
      'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
    );
  });
});

describe('splitPemList (JWT_PREVIOUS_PUBLIC_KEYS)', () => {
  const a = pem(ecPair().publicKey, 'spki');
  const b = pem(rsaPair().publicKey, 'spki');

  it('reads concatenated blocks, with any whitespace or commas between, or \\n escapes on one line', () => {
    expect(splitPemList(`${a}${b}`, 'V')).toHaveLength(2);
    expect(splitPemList(`\n${a.trim()}\n\n  ,${b}`, 'V')).toHaveLength(2);
    expect(splitPemList(`${a}${b}`.replaceAll('\n', '\\n'), 'V')).toHaveLength(2);
    expect(splitPemList('', 'V')).toEqual([]);
  });

  it('refuses text outside the blocks, naming the variable', () => {
    expect(() => splitPemList(`${a} garbage`, 'JWT_PREVIOUS_PUBLIC_KEYS')).toThrow(SigningKeyError);
    try {
      splitPemList('not a key', 'JWT_PREVIOUS_PUBLIC_KEYS');
    } catch (error) {
      expect((error as SigningKeyError).variable).toBe('JWT_PREVIOUS_PUBLIC_KEYS');
    }
  });
});

describe('loadSigningKeys', () => {
  it('ES256: kid is the thumbprint of the public key, published with alg and use, and no private member', () => {
    const { privateKey, publicKey } = ecPair();
    const keys = loadSigningKeys({ algorithm: 'ES256', secret: STRONG, privateKeyPem: pem(privateKey, 'pkcs8') });
    expect(keys.kid).toBe(jwkThumbprint(publicKey.export({ format: 'jwk' })));
    expect(keys.jwks.keys).toEqual([
      { ...publicKey.export({ format: 'jwk' }), kid: keys.kid, alg: 'ES256', use: 'sig' },
    ]);
    expect(JSON.stringify(keys.jwks)).not.toMatch(/"d"|"p"|"q"|"k"/);
    expect(keys.isDevelopmentKey).toBe(false);
  });

  it('RS256: accepts a 2048-bit key, refuses a 1024-bit one and an EC key, naming JWT_PRIVATE_KEY', () => {
    const keys = loadSigningKeys({
      algorithm: 'RS256',
      secret: STRONG,
      privateKeyPem: pem(rsaPair().privateKey, 'pkcs8'),
    });
    expect(keys.jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
    const small = pem(rsaPair(1024).privateKey, 'pkcs8');
    expect(() => loadSigningKeys({ algorithm: 'RS256', secret: STRONG, privateKeyPem: small })).toThrow(
      /at least 2048/,
    );
    const ec = pem(ecPair().privateKey, 'pkcs8');
    expect(() => loadSigningKeys({ algorithm: 'RS256', secret: STRONG, privateKeyPem: ec })).toThrow(
      expect.objectContaining({ variable: 'JWT_PRIVATE_KEY' }),
    );
  });

  it('lists previous public keys after the current one, once each, each pinned to its own algorithm', () => {
    const current = ecPair();
    const previousEc = ecPair();
    const previousRsa = rsaPair();
    const keys = loadSigningKeys({
      algorithm: 'ES256',
      secret: STRONG,
      privateKeyPem: pem(current.privateKey, 'pkcs8'),
      previousPublicKeysPem: [previousEc.publicKey, previousRsa.publicKey, current.publicKey, previousEc.publicKey]
        .map((key) => pem(key, 'spki'))
        .join(''),
    });
    expect(keys.jwks.keys.map((key) => key.alg)).toEqual(['ES256', 'ES256', 'RS256']);
    expect(keys.jwks.keys[0]?.kid).toBe(keys.kid);
    expect([...keys.verification.values()].map((key) => key.algorithm)).toEqual(['ES256', 'ES256', 'RS256']);
  });

  it('refuses a private key among the previous public keys', () => {
    const { privateKey } = ecPair();
    expect(() =>
      loadSigningKeys({ algorithm: 'ES256', secret: STRONG, previousPublicKeysPem: pem(privateKey, 'pkcs8') }),
    ).toThrow(/public keys only/);
  });

  it('HS256: an empty key set, a kid that is not the secret, and no JWT_PRIVATE_KEY', () => {
    const keys = loadSigningKeys({ algorithm: 'HS256', secret: STRONG });
    expect(keys.jwks).toEqual({ keys: [] });
    expect(keys.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(keys.kid).not.toContain(Buffer.from(STRONG).toString('base64url'));
    expect(() =>
      loadSigningKeys({ algorithm: 'HS256', secret: STRONG, privateKeyPem: pem(ecPair().privateKey, 'pkcs8') }),
    ).toThrow(/JWT_ALGORITHM is HS256/);
  });
});

describe('access tokens with asymmetric keys', () => {
  const current = ecPair();
  const previous = ecPair();
  const keys = loadSigningKeys({
    algorithm: 'ES256',
    secret: STRONG,
    privateKeyPem: pem(current.privateKey, 'pkcs8'),
    previousPublicKeysPem: pem(previous.publicKey, 'spki'),
  });
  const options = { keys, ttlSeconds: 300 };
  const signWith = (key: KeyObject | string, algorithm: jwt.Algorithm, kid?: string) =>
    jwt.sign({ role: 'user', sid: 's-1' }, key, {
      algorithm,
      ...(kid === undefined ? {} : { keyid: kid }),
      issuer: 'basis-gateway',
      audience: 'basis-api',
      subject: '7',
      jwtid: 'j',
      expiresIn: 60,
    });

  it('puts the kid in the header and verifies', () => {
    const token = signAccessToken(actor, options);
    expect(jwt.decode(token, { complete: true })?.header).toMatchObject({ alg: 'ES256', kid: keys.kid, typ: 'JWT' });
    expect(verifyAccessToken(token, options)).toEqual(actor);
  });

  it("verifies a previous key's token by its kid, and a token without kid by the current key only", () => {
    const previousKid = jwkThumbprint(previous.publicKey.export({ format: 'jwk' }));
    expect(verifyAccessToken(signWith(previous.privateKey, 'ES256', previousKid), options).id).toBe(7);
    expect(verifyAccessToken(signWith(current.privateKey, 'ES256'), options).id).toBe(7);
    expect(() => verifyAccessToken(signWith(previous.privateKey, 'ES256'), options)).toThrow(InvalidAccessTokenError);
  });

  it('refuses an unknown kid, a kid naming another key than the signer, HS256 with the public PEM, and alg none', () => {
    const stranger = ecPair();
    const strangerKid = jwkThumbprint(stranger.publicKey.export({ format: 'jwk' }));
    expect(() => verifyAccessToken(signWith(stranger.privateKey, 'ES256', strangerKid), options)).toThrow(
      'unknown key id',
    );
    expect(() => verifyAccessToken(signWith(stranger.privateKey, 'ES256', keys.kid), options)).toThrow(
      InvalidAccessTokenError,
    );
    // Algorithm confusion: HMAC keyed with the published public key (its PEM text).
    const publicPem = pem(current.publicKey, 'spki');
    const [header, payload] = signWith(current.privateKey, 'ES256', keys.kid).split('.');
    const forged = jwt.sign(JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), publicPem, {
      algorithm: 'HS256',
      keyid: keys.kid,
      allowInsecureKeySizes: true,
    } as jwt.SignOptions);
    expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString()).kid).toBe(keys.kid);
    expect(() => verifyAccessToken(forged, options)).toThrow(InvalidAccessTokenError);
    const unsigned = jwt.sign({ role: 'user', sid: 's' }, null, { algorithm: 'none', keyid: keys.kid, subject: '7' });
    expect(() => verifyAccessToken(unsigned, options)).toThrow(InvalidAccessTokenError);
  });
});

describe('parseEnv: the access-token key variables', () => {
  const base = { NODE_ENV: 'production', SERVICE_PRIVATE_KEY: pem(ecPair().privateKey, 'pkcs8') };

  it('needs no JWT_SECRET with ES256 in production, and refuses a missing JWT_PRIVATE_KEY, naming it', () => {
    const key = pem(ecPair().privateKey, 'pkcs8');
    const { warnings } = parseEnv({ ...base, JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: key });
    expect(warnings).toEqual([]);
    expect(() => parseEnv({ ...base, JWT_ALGORITHM: 'ES256' })).toThrow(
      /JWT_PRIVATE_KEY: required when NODE_ENV=production and JWT_ALGORITHM=ES256/,
    );
    expect(() => parseEnv({ ...base })).toThrow(/JWT_SECRET/);
  });

  it('refuses the development key in production, and uses it elsewhere with a warning', () => {
    expect(() => parseEnv({ ...base, JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY: DEV_PRIVATE_KEYS.RS256 })).toThrow(
      /JWT_PRIVATE_KEY: the development key/,
    );
    const { warnings } = parseEnv({ JWT_ALGORITHM: 'ES256' });
    expect(warnings.join('\n')).toMatch(/JWT_PRIVATE_KEY is not set/);
    expect(warnings.join('\n')).not.toMatch(/JWT_SECRET/);
  });

  it('names the variable for a bad algorithm, a bad key or bad previous keys, without echoing key material', () => {
    expect(() => parseEnv({ JWT_ALGORITHM: 'HS512' })).toThrow(/JWT_ALGORITHM/);
    const secretLooking = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC';
    try {
      parseEnv({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: secretLooking });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      expect((error as Error).message).toMatch(/JWT_PRIVATE_KEY: is not a PEM private key/);
      expect((error as Error).message).not.toContain(secretLooking);
    }
    expect(() => parseEnv({ JWT_ALGORITHM: 'ES256', JWT_PREVIOUS_PUBLIC_KEYS: 'nope' })).toThrow(
      /JWT_PREVIOUS_PUBLIC_KEYS/,
    );
  });

  it('accepts a PEM written on one line with \\n escapes', () => {
    const { privateKey, publicKey } = ecPair();
    const oneLine = pem(privateKey, 'pkcs8').replaceAll('\n', '\\n');
    const { env } = parseEnv({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: oneLine });
    const keys = loadSigningKeys({ algorithm: 'ES256', secret: env.JWT_SECRET, privateKeyPem: env.JWT_PRIVATE_KEY });
    expect(keys.kid).toBe(jwkThumbprint(publicKey.export({ format: 'jwk' })));
  });
});
