import type { KeyObject } from 'node:crypto';
import { type Actor, MAX_USER_ID, SERVICE_TOKEN, ServiceTokenActorClaims } from '@basis/contracts';
import jwt from 'jsonwebtoken';

/** Seconds of clock skew tolerated between caller and callee when checking `exp`/`nbf`/`iat`. */
export const CLOCK_TOLERANCE_SECONDS = 5;

/** Verified credentials remembered by token, so a reused credential is checked once; oldest dropped past this. */
export const VERIFY_CACHE_SIZE = 1000;

/** Why a service credential was refused (logged; the caller only sees UNAUTHORIZED). */
export class ServiceTokenError extends Error {
  override readonly name = 'ServiceTokenError';
}

/** Who a verified credential names: the calling identity, and the user it acts for (or `null`). */
export interface VerifiedCredential {
  caller: string;
  actor: Actor | null;
}

/** Checks the credentials sent to one service. */
export interface CredentialVerifier {
  /**
   * @param authorization the raw `Authorization` header (`Bearer <jwt>`), or `undefined`
   * @param now seconds since the epoch (tests); the clock by default
   * @throws ServiceTokenError when the header is missing or the credential fails any check
   */
  verify(authorization: string | undefined, now?: number): VerifiedCredential;
}

/**
 * The verifier of one service (`audience`): a credential must be an ES256 JWT (algorithm pinned, so
 * `alg: none` and HS256 signed with a public key's bytes are refused) whose `iss` is a caller of
 * `callerKeys`, signed by that caller's key, with `aud` = `audience`, numeric `iat` and `exp` at most
 * 60 s apart, not expired (5 s tolerance). A service holding only its own private key cannot produce a
 * credential naming another caller. Verified tokens are remembered until they expire (an LRU of
 * {@link VERIFY_CACHE_SIZE}), since minters reuse a credential for up to 30 s: a repeat costs a lookup
 * instead of an ECDSA verification (~0.35 ms on a loaded machine, ~2 µs from the cache).
 * @param options.audience this service's identity (`users`, `posts`)
 * @param options.callerKeys each trusted caller's public key, by identity
 * @see RFC 7519 §4.1, RFC 8725 §3.1 (pin the algorithm) and §3.2 (verify with the issuer's key)
 */
export function createCredentialVerifier(options: {
  audience: string;
  callerKeys: ReadonlyMap<string, KeyObject>;
}): CredentialVerifier {
  const { audience, callerKeys } = options;
  const cache = new Map<string, VerifiedCredential & { exp: number }>();

  function check(token: string, now: number): VerifiedCredential & { exp: number } {
    const decoded = jwt.decode(token, { json: true });
    const issuer = decoded?.iss;
    if (typeof issuer !== 'string') throw new ServiceTokenError('iss is required');
    const key = callerKeys.get(issuer);
    if (!key) throw new ServiceTokenError(`unknown caller ${JSON.stringify(issuer.slice(0, 40))}`);
    let payload: jwt.JwtPayload | string;
    try {
      payload = jwt.verify(token, key, {
        algorithms: [SERVICE_TOKEN.algorithm],
        audience,
        issuer,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        clockTimestamp: now,
      });
    } catch (error) {
      throw new ServiceTokenError(error instanceof Error ? error.message : 'invalid token');
    }
    if (typeof payload === 'string') throw new ServiceTokenError('payload is not a JSON object');
    const { iat, exp } = payload;
    if (typeof iat !== 'number' || typeof exp !== 'number') throw new ServiceTokenError('iat and exp are required');
    if (exp - iat > SERVICE_TOKEN.maxTtlSeconds) throw new ServiceTokenError('lifetime exceeds the maximum');
    if (iat > now + CLOCK_TOLERANCE_SECONDS) throw new ServiceTokenError('issued in the future');
    if (payload.sub === undefined) return { caller: issuer, actor: null, exp };
    const claims = ServiceTokenActorClaims.safeParse(payload);
    if (!claims.success) throw new ServiceTokenError('invalid actor claims');
    const { sub, role, sid } = claims.data;
    const id = Number(sub);
    if (id > MAX_USER_ID) throw new ServiceTokenError('sub is out of range');
    return { caller: issuer, actor: sid === undefined ? { id, role } : { id, role, sessionId: sid }, exp };
  }

  return {
    verify(authorization, now = Math.floor(Date.now() / 1000)) {
      const match = /^Bearer ([A-Za-z0-9_.~+/=-]+)$/.exec(authorization ?? '');
      const token = match?.[1];
      if (!token) throw new ServiceTokenError('missing bearer token');
      let verified = cache.get(token);
      if (verified && verified.exp + CLOCK_TOLERANCE_SECONDS <= now) {
        cache.delete(token);
        verified = undefined;
      }
      if (!verified) {
        verified = check(token, now);
        cache.set(token, verified);
        if (cache.size > VERIFY_CACHE_SIZE) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
      }
      return { caller: verified.caller, actor: verified.actor };
    },
  };
}
