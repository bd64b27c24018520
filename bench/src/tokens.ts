import type { KeyObject } from 'node:crypto';
import { SERVICE_TOKEN, ServiceTokenActorClaims, USERS_SERVICE_AUDIENCE } from '@basis/contracts';
import jwt from 'jsonwebtoken';

/** Seconds a bench service token lives: under the verifier's cap, with room for clock skew. */
const LIFETIME_SECONDS = SERVICE_TOKEN.maxTtlSeconds - 5;
/** Re-mint when the cached token is this old, so none is near expiry while requests fly. */
const REFRESH_AFTER_MS = 20_000;

/**
 * The actor claims the gateway puts in the service token it mints for the holder of `accessToken`:
 * `sub`, `role` and `sid`, read (not verified) from the access token. The users service resolves the
 * actor from the live session `sid` names on every call, so scenario (a) must carry a real one to do
 * the same work as (b).
 * @param accessToken an access token from `POST /api/v1/auth/access`
 * @returns `{ sub, role, sid }`
 * @throws when the token does not decode to those claims
 */
export function actorClaimsOf(accessToken: string): ServiceTokenActorClaims & { sid: string } {
  const claims = ServiceTokenActorClaims.safeParse(jwt.decode(accessToken));
  if (!claims.success || claims.data.sid === undefined) throw new Error('the access token has no sub, role and sid');
  const { sub, role, sid } = claims.data;
  return { sub, role, sid };
}

/**
 * Mints the service credential the gateway would send to the users service: ES256 with the gateway's
 * `SERVICE_PRIVATE_KEY`, `iss` 'gateway', `aud` 'users', the actor's `sub`, `role` and `sid`,
 * living 55 s (the verifier caps `exp - iat` at 60 s).
 * @param privateKey the gateway's service key (the bench generates one per run)
 * @returns the compact JWT.
 * @see packages/contracts/src/service-token.ts
 */
export function mintServiceToken(privateKey: KeyObject, actor: ServiceTokenActorClaims): string {
  return jwt.sign({ ...actor }, privateKey, {
    algorithm: SERVICE_TOKEN.algorithm,
    issuer: 'gateway',
    audience: USERS_SERVICE_AUDIENCE,
    expiresIn: LIFETIME_SECONDS,
  });
}

/**
 * A cached service token for long runs: `current()` re-mints once the cached token is 20 s old,
 * so a call is one clock read almost always (minting per request would bench the bench).
 */
export function serviceTokenSource(key: KeyObject, actor: ServiceTokenActorClaims): { current(): string } {
  let token = mintServiceToken(key, actor);
  let mintedAt = Date.now();
  return {
    current() {
      const now = Date.now();
      if (now - mintedAt >= REFRESH_AFTER_MS) {
        token = mintServiceToken(key, actor);
        mintedAt = now;
      }
      return token;
    },
  };
}
