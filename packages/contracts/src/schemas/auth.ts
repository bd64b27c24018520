import { z } from 'zod';
import { Email, Role, User, UserId } from './user.js';

/** Body of `POST /auth/access`. The password is only checked for presence here, not for policy. */
export const Credentials = z
  .object({ email: Email, password: z.string().min(1).max(128) })
  .meta({ id: 'Credentials', examples: [{ email: 'ada@example.com', password: 'correct horse battery staple' }] });
export type Credentials = z.infer<typeof Credentials>;

/** An opaque refresh token as issued by `/auth/access` and `/auth/refresh`. */
export const RefreshToken = z.string().min(1).max(512);

/** Body of `POST /auth/refresh` and `POST /auth/logout` (RFC 6749 §6 field name). */
export const RefreshRequest = z
  .object({ refresh_token: RefreshToken })
  .meta({ id: 'RefreshRequest', examples: [{ refresh_token: '0b7c…' }] });
export type RefreshRequest = z.infer<typeof RefreshRequest>;

/**
 * Successful token response.
 * @see RFC 6749 §5.1 — `expires_in` is the access token's lifetime in seconds.
 */
export const TokenResponse = z
  .object({
    access_token: z.string(),
    refresh_token: z.string(),
    token_type: z.literal('bearer'),
    expires_in: z.number().int().positive().meta({ description: 'Access token lifetime in seconds' }),
  })
  .meta({
    id: 'TokenResponse',
    examples: [
      { access_token: 'eyJhbGciOiJIUzI1NiJ9…', refresh_token: '0b7c…', token_type: 'bearer', expires_in: 900 },
    ],
  });
export type TokenResponse = z.infer<typeof TokenResponse>;

/**
 * The user on whose behalf an internal call is made, as carried in the service token.
 * `sessionId` names the refresh session the caller's access token came from, when known.
 */
export const Actor = z.object({ id: UserId, role: Role, sessionId: z.string().optional() });
export type Actor = z.infer<typeof Actor>;

/** A refresh session as the users service returns it: the plaintext token is shown only here, once. */
export const IssuedSession = z.object({
  sessionId: z.string(),
  refreshToken: RefreshToken,
  expiresAt: z.iso.datetime({ offset: true }),
  user: User,
});
export type IssuedSession = z.infer<typeof IssuedSession>;
