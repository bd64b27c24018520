import { authContract, type IssuedSession, type TokenResponse } from '@basis/contracts';
import { signAccessToken } from '../auth/access-tokens.js';
import { callContext, type GatewayContext, publicProcedure, router } from '../trpc.js';
import { openApiMeta } from './from-contract.js';
import { applyPostProcess } from './post-process.js';

/**
 * The RFC 6749 §5.1 token response for a freshly issued refresh session: a new access
 * token bound to that session (`sid`) and the session's one-time plaintext refresh token.
 */
function tokenResponse(ctx: GatewayContext, session: IssuedSession): TokenResponse {
  const { user } = session;
  return {
    access_token: signAccessToken({ id: user.id, role: user.role, sessionId: session.sessionId }, ctx.tokens),
    refresh_token: session.refreshToken,
    token_type: 'bearer',
    expires_in: ctx.tokens.ttlSeconds,
  };
}

/**
 * `authContract`, implemented by the gateway on top of the users service's internal procedures.
 * Refresh tokens are the users service's opaque session tokens; access tokens are ours. The
 * inputs are the contract's own (no number or boolean fields, so nothing to coerce: see rest-input.ts).
 * @see RFC 6749 §5.1 (token response), §6 (refresh), RFC 7009 (revocation)
 */
export const authRouter = router({
  /** Checks the credentials, opens a refresh session, signs an access token bound to it. */
  access: publicProcedure
    .meta(openApiMeta(authContract.access))
    .input(authContract.access.input)
    .output(authContract.access.output)
    .mutation(async ({ ctx, input }) => {
      const users = ctx.upstreams.users;
      const call = callContext(ctx);
      const user = await users.call(call, 'internal.verifyCredentials', (client, opts) =>
        client.internal.verifyCredentials.mutate(input, opts),
      );
      const session = await users.call(call, 'internal.createSession', (client, opts) =>
        client.internal.createSession.mutate({ userId: user.id, ttlSeconds: ctx.tokens.refreshTtlSeconds }, opts),
      );
      return applyPostProcess(tokenResponse(ctx, session), authContract.access) as TokenResponse;
    }),

  /** Rotates the refresh token (reuse of a rotated one revokes the whole session upstream). */
  refresh: publicProcedure
    .meta(openApiMeta(authContract.refresh))
    .input(authContract.refresh.input)
    .output(authContract.refresh.output)
    .mutation(async ({ ctx, input }) => {
      const session = await ctx.upstreams.users.call(callContext(ctx), 'internal.rotateSession', (client, opts) =>
        client.internal.rotateSession.mutate(
          { refreshToken: input.refresh_token, ttlSeconds: ctx.tokens.refreshTtlSeconds },
          opts,
        ),
      );
      return applyPostProcess(tokenResponse(ctx, session), authContract.refresh) as TokenResponse;
    }),

  /** Revokes the refresh token's session; unknown tokens are ignored, so it is idempotent. */
  logout: publicProcedure
    .meta(openApiMeta(authContract.logout))
    .input(authContract.logout.input)
    .output(authContract.logout.output)
    .mutation(async ({ ctx, input }) => {
      await ctx.upstreams.users.call(callContext(ctx), 'internal.revokeSession', (client, opts) =>
        client.internal.revokeSession.mutate({ refreshToken: input.refresh_token }, opts),
      );
    }),
});
