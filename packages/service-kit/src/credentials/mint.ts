import { type Actor, SERVICE_TOKEN, type ServiceTokenActorClaims } from '@basis/contracts';
import jwt from 'jsonwebtoken';
import type { ServiceCredentials } from './keys.js';

/** Lifetime of a minted credential in seconds: the SPEC's ceiling. */
export const CREDENTIAL_TTL_SECONDS = SERVICE_TOKEN.maxTtlSeconds;

/** A cached credential is reused while it has more than this many seconds left (so none expires in flight). */
export const REUSE_MARGIN_SECONDS = 30;

/** Credentials kept for reuse, by (audience, actor); the oldest is dropped past this. */
export const MINT_CACHE_SIZE = 1000;

/** Mints service credentials for one identity. */
export interface CredentialMinter {
  readonly identity: string;
  /**
   * A credential naming this identity (`iss`) for a call to `audience`, acting for `actor`.
   * @param audience the callee's identity (`users`, `posts`)
   * @param actor the user the call acts for, or `null`
   * @param now seconds since the epoch (tests); the clock by default
   * @returns the compact JWT, to send as `Authorization: Bearer <token>`
   */
  mint(audience: string, actor: Actor | null, now?: number): string;
}

/**
 * The minter of one identity: ES256 with its private key, `iss` = the identity, `aud` = the callee,
 * `iat`/`exp` {@link CREDENTIAL_TTL_SECONDS} apart, and `sub`/`role`/`sid` when acting for a user. An
 * ES256 signature costs ~0.3 ms on a loaded machine, so a credential is minted once per (audience, actor) and reused while
 * it has more than {@link REUSE_MARGIN_SECONDS} left (an LRU of {@link MINT_CACHE_SIZE}); a reused
 * token then costs a map lookup. The role is part of the key, so a changed role mints anew.
 * @param credentials from `loadServiceCredentials` (only `identity` and `privateKey` are used)
 * @see RFC 7519 §4.1, RFC 7518 §3.4 (ES256)
 */
export function createCredentialMinter(
  credentials: Pick<ServiceCredentials, 'identity' | 'privateKey'>,
): CredentialMinter {
  const { identity, privateKey } = credentials;
  const cache = new Map<string, { token: string; exp: number }>();
  return {
    identity,
    mint(audience, actor, now = Math.floor(Date.now() / 1000)) {
      const key = actor ? `${audience}|${actor.id}|${actor.role}|${actor.sessionId ?? ''}` : `${audience}|`;
      const cached = cache.get(key);
      if (cached && cached.exp - now > REUSE_MARGIN_SECONDS) {
        // Refresh its place in the LRU order.
        cache.delete(key);
        cache.set(key, cached);
        return cached.token;
      }
      const claims: Partial<ServiceTokenActorClaims> & { iat: number; exp: number } = {
        iat: now,
        exp: now + CREDENTIAL_TTL_SECONDS,
      };
      if (actor) {
        claims.sub = String(actor.id);
        claims.role = actor.role;
        if (actor.sessionId !== undefined) claims.sid = actor.sessionId;
      }
      const token = jwt.sign(claims, privateKey, { algorithm: SERVICE_TOKEN.algorithm, issuer: identity, audience });
      cache.delete(key);
      cache.set(key, { token, exp: claims.exp });
      if (cache.size > MINT_CACHE_SIZE) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      return token;
    },
  };
}
