import { z } from 'zod';
import { defineContract } from '../contract.js';
import { Credentials, IssuedSession, RefreshToken } from '../schemas/auth.js';
import { Role, User, UserId } from '../schemas/user.js';

/** Lifetime of a refresh session in seconds, chosen by the gateway (`REFRESH_TOKEN_TTL`). */
const TtlSeconds = z.number().int().positive();

/** Credential and session procedures answer the gateway alone: another service's credential gets 403. */
const callers = ['gateway'] as const;

/**
 * Internal procedures of the users service, for the gateway only (`callers`): never republished
 * as REST (no `rest` entry). All are `public` at the contract level because the gateway's service
 * credential itself is the authorization.
 */
export const usersInternalContract = defineContract({
  /**
   * Checks an email and password. Throws UNAUTHORIZED for an unknown email or a wrong
   * password (same work, same answer), FORBIDDEN for a correct password of an inactive user.
   */
  verifyCredentials: { type: 'mutation', auth: 'public', callers, input: Credentials, output: User },
  /** Opens a refresh session for a user; returns the plaintext refresh token once. */
  createSession: {
    type: 'mutation',
    auth: 'public',
    callers,
    input: z.object({ userId: UserId, ttlSeconds: TtlSeconds }),
    output: IssuedSession,
  },
  /**
   * Rotates a refresh token: the old one stops working and a new one is returned. Throws
   * UNAUTHORIZED when the token is unknown, expired, revoked, or its user inactive; a token
   * that was already rotated revokes its whole session (reuse detection).
   * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-security-topics §4.14.2
   */
  rotateSession: {
    type: 'mutation',
    auth: 'public',
    callers,
    input: z.object({ refreshToken: RefreshToken, ttlSeconds: TtlSeconds }),
    output: IssuedSession,
  },
  /** Revokes the session a refresh token belongs to. Idempotent: unknown tokens are ignored. */
  revokeSession: {
    type: 'mutation',
    auth: 'public',
    callers,
    input: z.object({ refreshToken: RefreshToken }),
    output: z.void(),
  },
  /** Revokes every session of a user, except `exceptSessionId` when given; returns how many. */
  revokeUserSessions: {
    type: 'mutation',
    auth: 'public',
    callers,
    input: z.object({ userId: UserId, exceptSessionId: z.string().optional() }),
    output: z.object({ revoked: z.number().int().min(0) }),
  },
  /**
   * Who a live session acts for, as the database has them now: `{ id, role, sessionId }` when
   * `sessionId` names an unrevoked, unexpired session of `userId` whose user is active, else `null`.
   * The gateway asks before every protected route (cached ≤ 2 s per session), so a logout, password
   * change, deactivation or deletion stops the user's access tokens on every service.
   */
  sessionActor: {
    type: 'query',
    auth: 'public',
    callers,
    input: z.object({ sessionId: z.string().min(1).max(200), userId: UserId }),
    output: z.object({ id: UserId, role: Role, sessionId: z.string() }).nullable(),
  },
});
export type UsersInternalContract = typeof usersInternalContract;
