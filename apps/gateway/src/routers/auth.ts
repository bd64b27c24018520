import { authContract, type IssuedSession, type TokenResponse, usersInternalContract } from '@basis/contracts';
import { inputParser } from '@basis/service-kit';
import type { z } from 'zod';
import { signAccessToken } from '../auth/access-tokens.js';
import { accessKey, type LimitedProcedure, refreshKey, TooManyRequestsError } from '../auth/rate-limit.js';
import { callContext, type GatewayContext, router } from '../trpc.js';
import { openApiMeta } from './from-contract.js';
import { type PipelineOf, publishPipeline } from './pipeline.js';
import { parseOutput } from './post-process.js';

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
 * Counts one call of a credential procedure, before anything reaches the users service. Part of
 * the procedure's pipeline, it counts every call however it arrives: REST, `/trpc`, each member of
 * a tRPC batch, any spelling of the path.
 * @throws {TooManyRequestsError} past the limit (429 with `Retry-After`)
 */
async function countCall(ctx: GatewayContext, procedure: LimitedProcedure, key: string): Promise<void> {
  try {
    await ctx.rateLimits.consume(procedure, key);
  } catch (error) {
    if (error instanceof TooManyRequestsError) throw error;
    // No limiter could count (Redis has an in-memory insurance, so this should not happen): a
    // broken counter must not lock every user out.
    ctx.log.warn({ err: error, procedure }, 'rate limiter failed; call let through');
  }
}

const parseAccess = inputParser(authContract.access.input);
const parseRefresh = inputParser(authContract.refresh.input);
const parseLogout = inputParser(authContract.logout.input);

/** Checks the credentials, opens a refresh session, signs an access token bound to it. */
async function access(ctx: GatewayContext, rawInput: unknown): Promise<TokenResponse> {
  const input = (await parseAccess(rawInput)) as z.output<typeof authContract.access.input>;
  await countCall(ctx, 'access', accessKey(ctx.clientIp, input.email));
  const call = { ...callContext(ctx), actor: null };
  const user = await ctx.upstreams.call(call, usersInternalContract.verifyCredentials, input);
  const session = await ctx.upstreams.call(call, usersInternalContract.createSession, {
    userId: user.id,
    ttlSeconds: ctx.tokens.refreshTtlSeconds,
  });
  return parseOutput(tokenResponse(ctx, session), authContract.access) as TokenResponse;
}

/** Rotates the refresh token (reuse of a rotated one revokes the whole session upstream). */
async function refresh(ctx: GatewayContext, rawInput: unknown): Promise<TokenResponse> {
  const input = (await parseRefresh(rawInput)) as z.output<typeof authContract.refresh.input>;
  await countCall(ctx, 'refresh', refreshKey(ctx.clientIp));
  const session = await ctx.upstreams.call({ ...callContext(ctx), actor: null }, usersInternalContract.rotateSession, {
    refreshToken: input.refresh_token,
    ttlSeconds: ctx.tokens.refreshTtlSeconds,
  });
  return parseOutput(tokenResponse(ctx, session), authContract.refresh) as TokenResponse;
}

/** Revokes the refresh token's session; unknown tokens are ignored, so it is idempotent. */
async function logout(ctx: GatewayContext, rawInput: unknown): Promise<void> {
  const input = (await parseLogout(rawInput)) as z.output<typeof authContract.logout.input>;
  await ctx.upstreams.call({ ...callContext(ctx), actor: null }, usersInternalContract.revokeSession, {
    refreshToken: input.refresh_token,
  });
}

type Auth = typeof authContract;

/**
 * `authContract`, implemented by the gateway on top of the users service's internal procedures.
 * Refresh tokens are the users service's opaque session tokens; access tokens are ours. Access
 * is rate-limited per client IP and email, refresh per client IP (auth/rate-limit.ts), counted
 * after the input is parsed and before anything reaches the users service. Each procedure is a
 * pipeline (routers/pipeline.ts), so REST and `/trpc` run the same function. The inputs are the
 * contract's own (no number or boolean fields, so nothing to coerce: see rest-input.ts).
 * @see RFC 6749 §5.1 (token response), §6 (refresh), RFC 7009 (revocation)
 */
export const authRouter = router({
  access: publishPipeline({
    type: 'mutation',
    meta: openApiMeta(authContract.access),
    input: authContract.access.input,
    output: authContract.access.output,
    run: access,
  }) as PipelineOf<'mutation', Auth['access']['input'], Auth['access']['output']>,
  refresh: publishPipeline({
    type: 'mutation',
    meta: openApiMeta(authContract.refresh),
    input: authContract.refresh.input,
    output: authContract.refresh.output,
    run: refresh,
  }) as PipelineOf<'mutation', Auth['refresh']['input'], Auth['refresh']['output']>,
  logout: publishPipeline({
    type: 'mutation',
    meta: openApiMeta(authContract.logout),
    input: authContract.logout.input,
    output: authContract.logout.output,
    run: logout,
  }) as PipelineOf<'mutation', Auth['logout']['input'], Auth['logout']['output']>,
});
