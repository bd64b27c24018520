import type { KeyObject } from 'node:crypto';
import type { Role } from '@basis/contracts';
import jwt from 'jsonwebtoken';
import { developmentPrivateKey } from '../credentials/keys.js';

/** Who a service token acts for: a user id and role (and session), or nobody. */
export interface TokenActor {
  id: number;
  role: Role;
  sessionId?: string;
}

/** What a test may change in a minted token, one property at a time. */
export interface TokenOverrides {
  /** The `iss`, i.e. the caller the credential names; `gateway` by default. */
  issuer?: string;
  /** The key that signs; the development key of `issuer` by default (what test servers trust). */
  privateKey?: KeyObject;
  expiresInSeconds?: number;
  /** Issued-at, seconds since the epoch. */
  iat?: number;
}

/**
 * Mints a service credential as a caller does: ES256 with the caller's development key (the key a
 * service started without key variables trusts), `iss` the caller (`gateway` by default), 30 s
 * lifetime, and `sub`/`role`/`sid` when it acts for a user.
 * @param audience the called service's name (`users`, `posts`)
 * @param actor the acting user, or `null`
 * @param overrides break one property at a time (issuer, signing key, lifetime in seconds, iat)
 * @returns the compact JWT, without `Bearer `
 */
export function mintServiceToken(audience: string, actor: TokenActor | null, overrides: TokenOverrides = {}): string {
  const issuer = overrides.issuer ?? 'gateway';
  const iat = overrides.iat ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { iat, exp: iat + (overrides.expiresInSeconds ?? 30) };
  if (actor) {
    claims.sub = String(actor.id);
    claims.role = actor.role;
    if (actor.sessionId) claims.sid = actor.sessionId;
  }
  return jwt.sign(claims, overrides.privateKey ?? developmentPrivateKey(issuer), {
    algorithm: 'ES256',
    audience,
    issuer,
  });
}
