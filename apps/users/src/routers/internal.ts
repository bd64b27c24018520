import { type UsersInternalContract, usersInternalContract } from '@basis/contracts';
import { TRPCError } from '@trpc/server';
import { verifyPassword } from '../auth/passwords.js';
import { USER_NOT_FOUND } from '../errors.js';
import { toUser } from '../repositories/users.js';
import { type Implemented, implement, router } from '../trpc.js';

/** One answer for an unknown email and a wrong password, so neither can be told from the other. */
const WRONG_CREDENTIALS = 'Wrong email or password';
const INVALID_REFRESH_TOKEN = 'Refresh token is invalid, expired or revoked';

const procedures = {
  verifyCredentials: implement(usersInternalContract.verifyCredentials, async ({ ctx, input }) => {
    const row = await ctx.users.findByEmail(input.email);
    // Unknown emails are verified against a dummy hash: the same argon2 work as a wrong password.
    const ok = await verifyPassword(row?.passwordHash ?? null, input.password);
    if (!row || !ok) throw new TRPCError({ code: 'UNAUTHORIZED', message: WRONG_CREDENTIALS });
    if (!row.isActive) throw new TRPCError({ code: 'FORBIDDEN', message: 'User is inactive' });
    return toUser(row);
  }),

  createSession: implement(usersInternalContract.createSession, async ({ ctx, input }) => {
    const user = await ctx.users.findById(input.userId);
    if (!user) throw new TRPCError({ code: 'NOT_FOUND', message: USER_NOT_FOUND });
    if (!user.isActive) throw new TRPCError({ code: 'FORBIDDEN', message: 'User is inactive' });
    const token = await ctx.sessions.create(user.id, input.ttlSeconds);
    return { ...token, expiresAt: token.expiresAt.toISOString(), user: toUser(user) };
  }),

  rotateSession: implement(usersInternalContract.rotateSession, async ({ ctx, input }) => {
    const result = await ctx.sessions.rotate(input.refreshToken, input.ttlSeconds);
    if (result.status !== 'rotated') {
      ctx.log.info({ refreshOutcome: result.status }, 'refresh token refused');
      throw new TRPCError({ code: 'UNAUTHORIZED', message: INVALID_REFRESH_TOKEN });
    }
    const { token, user } = result;
    return { ...token, expiresAt: token.expiresAt.toISOString(), user: toUser(user) };
  }),

  revokeSession: implement(usersInternalContract.revokeSession, async ({ ctx, input }) => {
    await ctx.sessions.revokeByToken(input.refreshToken);
  }),

  revokeUserSessions: implement(usersInternalContract.revokeUserSessions, async ({ ctx, input }) => ({
    revoked: await ctx.sessions.revokeAllForUser(input.userId, input.exceptSessionId),
  })),

  sessionActor: implement(
    usersInternalContract.sessionActor,
    async ({ ctx, input }) => (await ctx.sessions.findActor(input.sessionId, input.userId)) ?? null,
  ),
} satisfies { [K in keyof UsersInternalContract]: Implemented<UsersInternalContract[K]> };

/** The gateway-only procedures of `usersInternalContract` (credentials and refresh sessions). */
export const internalRouter = router(procedures);
