import { type Actor, authorize, type ProcedureContract } from '@basis/contracts';
import { initTRPC, TRPCError, type TRPCMutationProcedure, type TRPCQueryProcedure } from '@trpc/server';
import type { FastifyBaseLogger } from 'fastify';
import type { z } from 'zod';
import { INTERNAL_ERROR_MESSAGE, toTRPCError } from './errors.js';
import type { SessionsRepository } from './repositories/sessions.js';
import type { UsersRepository } from './repositories/users.js';

/** What each request brings: the actor its service token claims, the request id, a logger, the data access. */
export interface RequestContext {
  /**
   * The user the service token says the gateway acts for (`sub`, `role`, `sid`), or `null` for an
   * anonymous call (registration, login). A claim only: the token outlives demotions, deactivations and
   * logouts, so no procedure reads it; the auth middleware turns it into {@link Context.actor}.
   */
  claimedActor: Actor | null;
  requestId: string | undefined;
  log: FastifyBaseLogger;
  users: UsersRepository;
  sessions: SessionsRepository;
}

/** What every resolver gets: the request context plus the actor as the database has them now. */
export interface Context extends RequestContext {
  /**
   * The acting user, resolved from their live session by {@link resolveActor}: `role` is the user's
   * current role, `sessionId` the session the access token came from. `null` in public procedures.
   */
  actor: Actor | null;
}

/** Message of the UNAUTHORIZED raised when the actor's session or account no longer allows the call. */
export const SESSION_REVOKED = 'Session expired or revoked';

/** zod issues as they travel in `error.data.issues`: path, message and code only. */
export interface WireIssue {
  path: (string | number)[];
  message: string;
  code: string;
}

function issuesOf(cause: unknown): WireIssue[] | undefined {
  const issues = (cause as { issues?: unknown } | undefined)?.issues;
  if (!Array.isArray(issues)) return undefined;
  return issues.map((issue: { path?: PropertyKey[]; message?: string; code?: string }) => ({
    path: (issue.path ?? []).filter((key): key is string | number => typeof key !== 'symbol'),
    message: String(issue.message ?? ''),
    code: String(issue.code ?? 'custom'),
  }));
}

const t = initTRPC.context<RequestContext>().create({
  /**
   * Shapes every error body. Never sends `stack` (in any NODE_ENV) nor the text of an unexpected
   * error; invalid input carries its zod issues under `data.issues` and a short message.
   */
  errorFormatter({ shape, error }) {
    const { stack: _stack, ...data } = shape.data;
    const issues = error.code === 'BAD_REQUEST' ? issuesOf(error.cause) : undefined;
    let message = shape.message;
    if (error.code === 'INTERNAL_SERVER_ERROR') message = INTERNAL_ERROR_MESSAGE;
    else if (issues) message = 'Invalid input';
    return { ...shape, message, data: issues ? { ...data, issues } : data };
  },
});

/** Builds a router from an object of procedures. */
export const router = t.router;

/** Base procedure, with no auth of its own (the service token was checked by the `/trpc` onRequest hook). */
export const publicProcedure = t.procedure;

/**
 * Turns the actor a service token claims into the actor the database knows, with one indexed query
 * (`SessionsRepository.findActor`): the token's `sid` must name a session of `sub` that is neither
 * revoked nor expired, and the user must be active. The role is taken from the row, never from the
 * token, so a demoted, deactivated, deleted or logged-out user's access token stops working at once
 * instead of at its `exp`, and a promotion counts at once.
 * @param ctx the request context
 * @returns `null` when the call acts for nobody, else the actor with their current role and session id
 * @throws TRPCError UNAUTHORIZED {@link SESSION_REVOKED} when the claim has no `sid` or the session or
 *   user fails a check; SERVICE_UNAVAILABLE (via `toTRPCError`) when the database does not answer
 */
export async function resolveActor(ctx: RequestContext): Promise<Actor | null> {
  const claimed = ctx.claimedActor;
  if (claimed === null) return null;
  // The gateway always binds a user's calls to the session of their access token.
  if (claimed.sessionId === undefined) throw new TRPCError({ code: 'UNAUTHORIZED', message: SESSION_REVOKED });
  let actor: Actor | undefined;
  try {
    actor = await ctx.sessions.findActor(claimed.sessionId, claimed.id);
  } catch (error) {
    throw toTRPCError(error);
  }
  if (!actor) throw new TRPCError({ code: 'UNAUTHORIZED', message: SESSION_REVOKED });
  return actor;
}

/**
 * Middleware enforcing a contract's auth level with `authorize` from @basis/contracts (defense in depth:
 * the gateway enforces it too) against the actor {@link resolveActor} finds, once per call. Public
 * procedures skip the lookup and see no actor. Runs after input parsing, since `selfOrAdmin` looks at
 * the parsed input's `id`.
 * @throws TRPCError UNAUTHORIZED without a live actor where one is needed, FORBIDDEN when the actor may not call
 */
function authorizeBy(level: ProcedureContract['auth']) {
  return t.middleware(async ({ ctx, input, next }) => {
    const actor = level === 'public' ? null : await resolveActor(ctx);
    const decision = authorize(level, actor, input);
    if (decision === 'unauthenticated')
      throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Authentication required' });
    if (decision === 'forbidden') throw new TRPCError({ code: 'FORBIDDEN', message: 'Not allowed' });
    return next({ ctx: { actor } });
  });
}

/** The builder for one contract entry: its input and output parsers and its auth level, already applied. */
function builderFor<C extends ProcedureContract>(contract: C) {
  return publicProcedure.input(contract.input).output(contract.output).use(authorizeBy(contract.auth));
}

/** A resolver for a contract entry: takes the parsed input, returns what the output schema accepts. */
export type Resolver<C extends ProcedureContract> = (opts: {
  ctx: Context;
  input: z.output<C['input']>;
}) => Promise<z.input<C['output']>>;

/** The procedure `implement` returns: a query or a mutation exactly as the contract says. */
export type Implemented<C extends ProcedureContract> = C['type'] extends 'query'
  ? TRPCQueryProcedure<ProcedureDef<C>>
  : TRPCMutationProcedure<ProcedureDef<C>>;

/** What tRPC records about a procedure built from contract `C` (the same shape `.query`/`.mutation` infer). */
type ProcedureDef<C extends ProcedureContract> = {
  input: z.input<C['input']>;
  output: z.output<C['output']>;
  meta: RootTypes['meta'];
  errorShape: RootTypes['errorShape'];
};

type RootTypes = (typeof t)['_config']['$types'];

/**
 * Implements one procedure contract: applies its input and output schemas and its auth level, picks
 * `query` or `mutation` from `contract.type`, and maps any error the resolver throws with
 * `toTRPCError`. Types come from the contract, so a resolver that drifts from it does not compile.
 * @param contract an entry of `usersContract` or `usersInternalContract`
 * @param resolve the implementation
 * @example list: implement(usersContract.list, ({ ctx, input }) => ctx.users.list(input.limit, input.offset))
 */
export function implement<C extends ProcedureContract>(contract: C, resolve: Resolver<C>): Implemented<C> {
  const builder = builderFor<ProcedureContract>(contract);
  // The input parser has run by now, so `input` has the contract's output type; tRPC cannot see that
  // through the generic `C`, hence the one narrowing cast.
  const guarded = async (opts: { ctx: Context; input: unknown }) => {
    try {
      return await resolve(opts as Parameters<Resolver<C>>[0]);
    } catch (error) {
      throw toTRPCError(error);
    }
  };
  const procedure = contract.type === 'query' ? builder.query(guarded) : builder.mutation(guarded);
  return procedure as Implemented<C>;
}
