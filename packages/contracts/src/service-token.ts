import { z } from 'zod';
import { Role } from './schemas/user.js';

/**
 * The service credential every caller (the gateway, a service) mints for each call to a service:
 * an ES256 JWT signed with the caller's own private key, sent as `Authorization: Bearer <token>`.
 * `iss` names the caller (the callee verifies with that caller's public key), `aud` the callee.
 * When the call acts for a user, `sub` is that user's id (decimal string, RFC 7519 §4.1.2),
 * `role` their role, and `sid` the refresh session their access token came from.
 */
export const SERVICE_TOKEN = {
  algorithm: 'ES256',
  /** Lifetime in seconds; verifiers reject tokens whose `exp - iat` exceeds it. */
  maxTtlSeconds: 60,
} as const;

/** Who may call a procedure when its contract says nothing (`callers`): the gateway only. */
export const DEFAULT_CALLERS: readonly string[] = ['gateway'];

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
 * user's credentials). A gateway maps it to 502: the client did nothing wrong, the service does not
 * trust the gateway's key (`SERVICE_PRIVATE_KEY` against the service's `GATEWAY_SERVICE_PUBLIC_KEY`).
 */
export const SERVICE_TOKEN_REJECTED = 'SERVICE_TOKEN_REJECTED';

/** `error.data.reason` on a service's 403 when a valid credential's caller is not on the procedure's allow-list. */
export const CALLER_NOT_ALLOWED = 'CALLER_NOT_ALLOWED';
