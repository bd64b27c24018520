import type { KeyObject } from 'node:crypto';
import { type Actor, SERVICE_TOKEN, type ServiceTokenActorClaims } from '@basis/contracts';
import jwt from 'jsonwebtoken';

/** Lifetime of a minted service token in seconds: short, well under {@link SERVICE_TOKEN.maxTtlSeconds}. */
export const SERVICE_TOKEN_TTL_SECONDS = 30;

/**
 * Mints the service credential for one call to an internal service: an HS256 JWT with
 * `iss: basis-gateway`, the given audience, a {@link SERVICE_TOKEN_TTL_SECONDS}-second lifetime
 * and, when the call acts for a user, `sub` (their id as a decimal string), `role` and `sid`.
 * @param key the HMAC key of `SERVICE_TOKEN_SECRET` (`hmacKey` in hmac-key.ts, made once per client)
 * @param audience the target service's declared name (`users`, `posts`: services.ts)
 * @param actor the user the call acts for, or `null` for a call on the gateway's own behalf
 * @returns the compact JWT, to send as `Authorization: Bearer <token>`
 */
export function mintServiceToken(key: KeyObject, audience: string, actor: Actor | null): string {
  const claims: Partial<ServiceTokenActorClaims> = {};
  if (actor) {
    claims.role = actor.role;
    if (actor.sessionId !== undefined) claims.sid = actor.sessionId;
  }
  return jwt.sign(claims, key, {
    algorithm: SERVICE_TOKEN.algorithm,
    issuer: SERVICE_TOKEN.issuer,
    audience,
    expiresIn: SERVICE_TOKEN_TTL_SECONDS,
    ...(actor ? { subject: String(actor.id) } : {}),
  });
}
