import type { Actor, ProcedureContract, RestRoute } from '@basis/contracts';
import { getTRPCErrorFromUnknown, initTRPC, TRPCError } from '@trpc/server';
import type { FastifyBaseLogger } from 'fastify';
import type { OpenApiMeta } from 'trpc-to-openapi';
import type { AccessTokenOptions } from './auth/access-tokens.js';
import { type BearerCredentials, bearerChallenge } from './auth/bearer.js';
import type { AuthRateLimiter } from './auth/rate-limit.js';
import type { SessionVerifier } from './auth/sessions.js';
import type { CallContext } from './upstream/client.js';
import type { Upstreams } from './upstream/registry.js';

/** What every gateway procedure sees about its request. */
export interface GatewayContext {
  requestId: string;
  /**
   * The caller: `null` without a valid token. On protected procedures, the live actor of the token's
   * session (current role); elsewhere what the token claims, unchecked against the session.
   */
  actor: Required<Actor> | null;
  /** How the request presented credentials: decides 401's `WWW-Authenticate` error parameter. */
  credentials: BearerCredentials['kind'] | 'invalid';
  /** Every upstream service, by name, and typed calls built from the contracts. */
  upstreams: Upstreams;
  /** Checks an access token's session against the users service (cached ≤ 2 s per session). */
  sessions: SessionVerifier;
  /** Sets a header on this request's response (a composed answer's `x-basis-partial`). */
  setResponseHeader(name: string, value: string): void;
  tokens: AccessTokenOptions & { refreshTtlSeconds: number };
  /** The client's address (Fastify's `request.ip`), for the credential procedures' rate limits. */
  clientIp: string;
  /** Counts calls of `auth.access` and `auth.refresh`, per procedure call, not per HTTP request. */
  rateLimits: AuthRateLimiter;
  log: FastifyBaseLogger;
  /**
   * The response cache of this request (cache/response-cache.ts): reads of routes with a cache
   * policy go through it, mutations that declare `invalidates` invalidate through it. Absent: no cache.
   */
  cache?: RequestCache;
}

/** The response cache as one request uses it (each read's outcome goes to that request's `x-cache` and log line). */
export interface RequestCache {
  /** The answer of `contract` for `input` from the cache, or from `load` (see ResponseCache.read). */
  read<T>(
    contract: ProcedureContract,
    input: unknown,
    caller: Required<Actor> | null,
    load: () => Promise<T>,
  ): Promise<T>;
  /** Drops the entries `contract.rest.invalidates` names for this input and caller, on every replica. */
  invalidate(contract: ProcedureContract, input: unknown, callerId: number | null): Promise<void>;
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

/** Message of the 401 for a token whose session was revoked or whose user was deactivated or deleted. */
export const SESSION_REVOKED = 'Session expired or revoked';

/**
 * Authenticates the caller of a protected procedure: no token, a malformed one, or one that
 * fails verification (bad signature, `alg: none`, expired, wrong issuer or audience, a refresh
 * token) gives 401 UNAUTHORIZED with a `Bearer` challenge. A valid token's session is then checked
 * with the users service (auth/sessions.ts, cached ≤ 2 s): a revoked session, or a deactivated or
 * deleted user, gives 401 `error="invalid_token"` on every route of every service. When the session
 * cannot be checked (users unreachable, slow or broken) the call fails closed with that failure
 * (503/504/502).
 * @returns the live actor of the token's session (current role)
 * @throws {TRPCError} UNAUTHORIZED with a {@link BearerChallenge} cause, or the session check's failure
 * @see RFC 6750 §3.1
 */
export async function authenticate(ctx: GatewayContext): Promise<Required<Actor>> {
  if (ctx.actor === null) {
    const sent = ctx.credentials !== 'missing';
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: sent ? 'Invalid or expired access token' : 'Missing access token',
      cause: new BearerChallenge(bearerChallenge(sent)),
    });
  }
  const live = await ctx.sessions.verify(ctx.actor, ctx.requestId);
  if (live === null) {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: SESSION_REVOKED,
      cause: new BearerChallenge(bearerChallenge(true)),
    });
  }
  return live;
}

/**
 * What a protected procedure's failure becomes after {@link authenticate} let it through: the
 * session was live a moment ago, but a service found it revoked since (or the user deactivated or
 * deleted), so an UNAUTHORIZED without a challenge becomes 401 `error="invalid_token"` (to the
 * client, that access token is now invalid). Every other failure is returned as a TRPCError unchanged.
 * @param cause anything a procedure threw
 * @returns the error to throw instead
 */
export function asInvalidToken(cause: unknown): TRPCError {
  const error = getTRPCErrorFromUnknown(cause);
  if (error.code !== 'UNAUTHORIZED' || error.cause instanceof BearerChallenge) return error;
  return new TRPCError({
    code: 'UNAUTHORIZED',
    message: error.message,
    cause: new BearerChallenge(bearerChallenge(true)),
  });
}

/** Creates a server-side caller factory for a router (tests and scripts). */
export const createCallerFactory = t.createCallerFactory;

/**
 * The upstream call context of a procedure: its caller and request id.
 * @returns what an upstream client turns into a service token and `x-request-id`
 */
export function callContext(ctx: GatewayContext): CallContext {
  return { actor: ctx.actor, requestId: ctx.requestId };
}
