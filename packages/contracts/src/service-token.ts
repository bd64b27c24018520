import { z } from 'zod';
import { Role } from './schemas/user.js';

/**
 * The service credential the gateway mints for every call to an internal service:
 * an HS256 JWT signed with `SERVICE_TOKEN_SECRET`, sent as `Authorization: Bearer <token>`.
 * When the call acts for a user, `sub` is that user's id (decimal string, RFC 7519 §4.1.2),
 * `role` their role, and `sid` the refresh session their access token came from.
 */
export const SERVICE_TOKEN = {
  algorithm: 'HS256',
  issuer: 'basis-gateway',
  /** Lifetime in seconds; verifiers reject tokens whose `exp - iat` exceeds it. */
  maxTtlSeconds: 60,
} as const;

/** Audience of a service credential for the users service. */
export const USERS_SERVICE_AUDIENCE = 'users';

/** Claims a service credential may carry besides the registered ones (`iss`, `aud`, `iat`, `exp`). */
export const ServiceTokenActorClaims = z.object({
  sub: z.string().regex(/^[1-9][0-9]*$/),
  role: Role,
  sid: z.string().optional(),
});
export type ServiceTokenActorClaims = z.infer<typeof ServiceTokenActorClaims>;

/** Header that carries the request id from the edge to every service. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * `error.data.reason` on a service's 401 when it refused the service credential itself (not the
 * user's credentials). A gateway maps it to 502: the client did nothing wrong, the gateway's
 * `SERVICE_TOKEN_SECRET` does not match the service's.
 */
export const SERVICE_TOKEN_REJECTED = 'SERVICE_TOKEN_REJECTED';
