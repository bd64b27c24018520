import { randomUUID } from 'node:crypto';
import { type Actor, Role } from '@basis/contracts';
import jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import type { SigningKeys } from './signing-keys.js';

/** Issuer and audience of the gateway's access tokens. */
export const ACCESS_TOKEN = { issuer: 'basis-gateway', audience: 'basis-api' } as const;

/** Settings shared by {@link signAccessToken} and {@link verifyAccessToken}. */
export interface AccessTokenOptions {
  /** The signing key, its `kid` and every verifying key, made once at start (`loadSigningKeys`, signing-keys.ts). */
  keys: SigningKeys;
  /** Lifetime in seconds (`ACCESS_TOKEN_TTL`). */
  ttlSeconds: number;
  /** Accepted clock skew on `exp`, `nbf` and `iat`, in seconds; 5 by default. */
  clockToleranceSeconds?: number;
}

const Claims = z.object({
  sub: z.string().regex(/^[1-9][0-9]*$/),
  role: Role,
  sid: z.string().min(1),
  jti: z.string().min(1),
  iat: z.number(),
  exp: z.number(),
});

/** Thrown by {@link verifyAccessToken} for any token that fails a check; the reason is for logs only. */
export class InvalidAccessTokenError extends Error {
  override name = 'InvalidAccessTokenError';
}

/**
 * Signs an access token for a user's session.
 * Claims: `sub` (user id, decimal string), `role`, `sid` (refresh session id), `jti`, `iss`, `aud`, `iat`, `exp`.
 * @param actor the user and the refresh session the token belongs to (`sessionId` is required)
 * @returns the compact JWT
 * @see RFC 7519 §4.1
 */
export function signAccessToken(actor: Required<Actor>, options: AccessTokenOptions): string {
  return jwt.sign({ role: actor.role, sid: actor.sessionId }, options.keys.signingKey, {
    algorithm: options.keys.algorithm,
    keyid: options.keys.kid,
    expiresIn: options.ttlSeconds,
    issuer: ACCESS_TOKEN.issuer,
    audience: ACCESS_TOKEN.audience,
    subject: String(actor.id),
    jwtid: randomUUID(),
  });
}

/**
 * Verifies an access token: the key named by its `kid` (the current key when it has none, as
 * tokens issued before key ids did), with that key's one algorithm pinned (so `alg: none` and
 * algorithm confusion fail), issuer, audience, expiry, an `iat` not in the future (both with a
 * small clock tolerance), a lifetime (`exp - iat`) of at most `ttlSeconds` plus that tolerance, and claim shapes.
 * An opaque refresh token (`<sessionId>.<secret>`) is not a JWT and fails here.
 * @returns the caller, with the refresh session id the token came from
 * @throws {InvalidAccessTokenError} whatever the reason (an unknown `kid` included)
 * @see RFC 7519 §4.1.4 (exp), §4.1.6 (iat), RFC 7515 §4.1.4 (kid), RFC 8725 §3.1 (pin the algorithm)
 */
export function verifyAccessToken(token: string, options: AccessTokenOptions): Required<Actor> {
  return checkAccessToken(token, options).actor;
}

/** {@link verifyAccessToken}, with the token's `exp` (seconds since the epoch). */
function checkAccessToken(token: string, options: AccessTokenOptions): { actor: Required<Actor>; exp: number } {
  const clockTolerance = options.clockToleranceSeconds ?? 5;
  const kid = jwt.decode(token, { complete: true })?.header.kid ?? options.keys.kid;
  const key = options.keys.verification.get(kid);
  if (key === undefined) throw new InvalidAccessTokenError('unknown key id');
  let payload: unknown;
  try {
    payload = jwt.verify(token, key.key, {
      algorithms: [key.algorithm],
      issuer: ACCESS_TOKEN.issuer,
      audience: ACCESS_TOKEN.audience,
      clockTolerance,
    });
  } catch (error) {
    throw new InvalidAccessTokenError(error instanceof Error ? error.message : 'invalid token');
  }
  const claims = Claims.safeParse(payload);
  if (!claims.success) throw new InvalidAccessTokenError('unexpected claims');
  // jsonwebtoken checks `iat` only against `maxAge`: a token "issued" later than now (a forged
  // clock, or one minted to outlive its TTL) passes unless it is refused here.
  if (claims.data.iat > Date.now() / 1000 + clockTolerance) throw new InvalidAccessTokenError('issued in the future');
  // A token signed to live longer than the gateway issues them (a leaked key, or a forged `exp`
  // years ahead) is refused, whatever its expiry says.
  if (claims.data.exp - claims.data.iat > options.ttlSeconds + clockTolerance)
    throw new InvalidAccessTokenError('lifetime longer than the access token TTL');
  return {
    actor: { id: Number(claims.data.sub), role: claims.data.role, sessionId: claims.data.sid },
    exp: claims.data.exp,
  };
}

/** Verifies access tokens like {@link verifyAccessToken}, remembering the ones that passed. */
export type AccessTokenVerifier = (token: string) => Required<Actor>;

/**
 * {@link verifyAccessToken} with the tokens that passed remembered (lru-cache, `maxEntries`, 10 000
 * by default): a client sends one token for its whole lifetime, and its signature, claims and
 * lifetime checks give the same answer every time, so a repeat costs a map lookup instead of a
 * decode, an HMAC or ECDSA check and a schema parse (~7% of the gateway's CPU per authenticated
 * request). Only its expiry moves: a remembered token counts until `exp` plus the clock tolerance,
 * exactly as a fresh check would. Refused tokens are not remembered (each refusal is checked and
 * logged again). The keys are fixed at start, so no entry outlives a key change.
 * @returns a function that returns the caller or throws {@link InvalidAccessTokenError}
 */
export function createAccessTokenVerifier(options: AccessTokenOptions, maxEntries = 10_000): AccessTokenVerifier {
  const clockTolerance = options.clockToleranceSeconds ?? 5;
  const passed = new LRUCache<string, { actor: Required<Actor>; validUntilMs: number }>({ max: maxEntries });
  return (token) => {
    const now = Date.now();
    const known = passed.get(token);
    if (known !== undefined) {
      if (known.validUntilMs > now) return known.actor;
      passed.delete(token);
    }
    const { actor, exp } = checkAccessToken(token, options);
    passed.set(token, { actor, validUntilMs: (exp + clockTolerance) * 1000 });
    return actor;
  };
}
