import type { Role } from '@basis/contracts';
import jwt from 'jsonwebtoken';

/** A secret of at least 32 bytes for test servers and the tokens minted for them. */
export const TEST_SERVICE_TOKEN_SECRET = 'test-service-token-secret-of-at-least-32-bytes';

/** Who a service token acts for: a user id and role (and session), or nobody. */
export interface TokenActor {
  id: number;
  role: Role;
  sessionId?: string;
}

/** What a test may change in a minted token, one property at a time. */
export interface TokenOverrides {
  secret?: string;
  issuer?: string;
  expiresInSeconds?: number;
  /** Issued-at, seconds since the epoch. */
  iat?: number;
}

/**
 * Mints a service credential as the gateway does: HS256, `iss` `basis-gateway`, 30 s lifetime, and
 * `sub`/`role`/`sid` when it acts for a user.
 * @param audience the called service's name (`users`, `posts`)
 * @param actor the acting user, or `null`
 * @param overrides break one property at a time (secret, issuer, lifetime in seconds, iat)
 * @returns the compact JWT, without `Bearer `
 */
export function mintServiceToken(audience: string, actor: TokenActor | null, overrides: TokenOverrides = {}): string {
  const iat = overrides.iat ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { iat, exp: iat + (overrides.expiresInSeconds ?? 30) };
  if (actor) {
    claims.sub = String(actor.id);
    claims.role = actor.role;
    if (actor.sessionId) claims.sid = actor.sessionId;
  }
  return jwt.sign(claims, overrides.secret ?? TEST_SERVICE_TOKEN_SECRET, {
    algorithm: 'HS256',
    audience,
    issuer: overrides.issuer ?? 'basis-gateway',
  });
}
