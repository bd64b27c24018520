import type { Actor, RestRoute } from '@basis/contracts';
import { initTRPC, TRPCError } from '@trpc/server';
import type { FastifyBaseLogger } from 'fastify';
import type { OpenApiMeta } from 'trpc-to-openapi';
import type { AccessTokenOptions } from './auth/access-tokens.js';
import { type BearerCredentials, bearerChallenge } from './auth/bearer.js';
import type { AuthRateLimiter } from './auth/rate-limit.js';
import type { CallContext, UsersClient } from './upstream/users-client.js';

/** What every gateway procedure sees about its request. */
export interface GatewayContext {
  requestId: string;
  /** The verified caller, or `null` (no token, or a token that failed verification). */
  actor: Required<Actor> | null;
  /** How the request presented credentials: decides 401's `WWW-Authenticate` error parameter. */
  credentials: BearerCredentials['kind'] | 'invalid';
  upstreams: { users: UsersClient };
  tokens: AccessTokenOptions & { refreshTtlSeconds: number };
  /** The client's address (Fastify's `request.ip`), for the credential procedures' rate limits. */
  clientIp: string;
  /** Counts calls of `auth.access` and `auth.refresh`, per procedure call, not per HTTP request. */
  rateLimits: AuthRateLimiter;
  log: FastifyBaseLogger;
}

/** Procedure metadata: trpc-to-openapi's `openapi` block plus the contract's REST route it came from. */
export type GatewayMeta = OpenApiMeta<{ rest?: RestRoute }>;

const INTERNAL_MESSAGE = 'Internal server error';

/**
 * The gateway's one tRPC instance. The error formatter keeps `code`, a safe `message` and the
 * request id; it never includes a stack, and hides the message of internal errors.
 */
const t = initTRPC
  .context<GatewayContext>()
  .meta<GatewayMeta>()
  .create({
    errorFormatter({ shape, error, ctx }) {
      const message = error.code === 'INTERNAL_SERVER_ERROR' ? INTERNAL_MESSAGE : shape.message;
      return {
        code: shape.code,
        message,
        data: {
          code: shape.data.code,
          httpStatus: shape.data.httpStatus,
          ...(shape.data.path !== undefined ? { path: shape.data.path } : {}),
          ...(ctx ? { requestId: ctx.requestId } : {}),
        },
      };
    },
  });

/** Builds a router from a record of procedures and sub-routers. */
export const router = t.router;
/** Merges routers side by side. */
export const mergeRouters = t.mergeRouters;
/** A procedure anyone may call. */
export const publicProcedure = t.procedure;
/**
 * Carried as the `cause` of a 401 raised by the bearer check: the `WWW-Authenticate`
 * challenge the response must carry.
 * @see RFC 6750 §3
 */
export class BearerChallenge extends Error {
  override name = 'BearerChallenge';
  constructor(readonly challenge: string) {
    super(challenge);
  }
}

/**
 * A procedure that needs an authenticated caller: no token, a malformed one, or one that
 * fails verification (bad signature, `alg: none`, expired, wrong issuer or audience, a
 * refresh token) gives 401 UNAUTHORIZED with a `Bearer` challenge; so does a valid token whose
 * session the users service no longer honours (`error="invalid_token"`).
 * @see RFC 6750 §3.1
 */
export const protectedProcedure = t.procedure.use(async ({ ctx, next }) => {
  if (ctx.actor === null) {
    const sent = ctx.credentials !== 'missing';
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: sent ? 'Invalid or expired access token' : 'Missing access token',
      cause: new BearerChallenge(bearerChallenge(sent)),
    });
  }
  const result = await next({ ctx: { ...ctx, actor: ctx.actor } });
  // The token verified here, but the users service found its session revoked or its user
  // deactivated or deleted: to the client, that access token is now invalid.
  if (!result.ok && result.error.code === 'UNAUTHORIZED' && !(result.error.cause instanceof BearerChallenge)) {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: result.error.message,
      cause: new BearerChallenge(bearerChallenge(true)),
    });
  }
  return result;
});

/** Creates a server-side caller factory for a router (tests and scripts). */
export const createCallerFactory = t.createCallerFactory;

/**
 * The upstream call context of a procedure: its caller and request id.
 * @returns what the users client turns into a service token and `x-request-id`
 */
export function callContext(ctx: GatewayContext): CallContext {
  return { actor: ctx.actor, requestId: ctx.requestId };
}
