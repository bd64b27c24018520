import { SERVICE_TOKEN, type ServiceTokenActorClaims, USERS_SERVICE_AUDIENCE } from '@basis/contracts';
import jwt from 'jsonwebtoken';

/** Seconds a bench service token lives: under the verifier's cap, with room for clock skew. */
const LIFETIME_SECONDS = SERVICE_TOKEN.maxTtlSeconds - 5;
/** Re-mint when the cached token is this old, so none is near expiry while requests fly. */
const REFRESH_AFTER_MS = 20_000;

/**
 * Mints the service credential the gateway would send to the users service: HS256 with
 * `SERVICE_TOKEN_SECRET`, `iss` 'basis-gateway', `aud` 'users', the actor's `sub` and `role`,
 * living 55 s (the verifier caps `exp - iat` at 60 s).
 * @returns the compact JWT.
 * @see packages/contracts/src/service-token.ts
 */
export function mintServiceToken(secret: string, actor: ServiceTokenActorClaims): string {
  return jwt.sign({ ...actor }, secret, {
    algorithm: SERVICE_TOKEN.algorithm,
    issuer: SERVICE_TOKEN.issuer,
    audience: USERS_SERVICE_AUDIENCE,
    expiresIn: LIFETIME_SECONDS,
  });
}

/**
 * A cached service token for long runs: `current()` re-mints once the cached token is 20 s old,
 * so a call is one clock read almost always (minting per request would bench the bench).
 */
export function serviceTokenSource(secret: string, actor: ServiceTokenActorClaims): { current(): string } {
  let token = mintServiceToken(secret, actor);
  let mintedAt = Date.now();
  return {
    current() {
      const now = Date.now();
      if (now - mintedAt >= REFRESH_AFTER_MS) {
        token = mintServiceToken(secret, actor);
        mintedAt = now;
      }
      return token;
    },
  };
}
