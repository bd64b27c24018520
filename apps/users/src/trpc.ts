import type { Actor } from '@basis/contracts';
import { type Implemented, initService, type ResolverContext, type ServiceContext } from '@basis/service-kit';
import { TRPCError } from '@trpc/server';
import { EMAIL_TAKEN } from './errors.js';
import type { SessionsRepository } from './repositories/sessions.js';
import type { UserEventsRepository } from './repositories/user-events.js';
import type { UsersRepository } from './repositories/users.js';

/** What each request brings: the kit's context (claimed actor, request id, logger) and the data access. */
export interface RequestContext extends ServiceContext {
  users: UsersRepository;
  sessions: SessionsRepository;
  events: UserEventsRepository;
}

/** What every resolver gets: the request context plus the actor as the database has them now. */
export type Context = ResolverContext<RequestContext>;

export type { Implemented };

/** Message of the UNAUTHORIZED raised when the actor's session or account no longer allows the call. */
export const SESSION_REVOKED = 'Session expired or revoked';

/**
 * Turns the actor a service token claims into the actor the database knows, with one indexed query
 * (`SessionsRepository.findLiveActor`): the token's `sid` must name a session of `sub` that is neither
 * revoked nor expired, and the user must be active. The role is taken from the row, never from the
 * token, so a demoted, deactivated, deleted or logged-out user's access token stops working instead of
 * at its `exp`, and a promotion counts: at once when the change went through this process, within
 * `ACTOR_CACHE_TTL_MS` (1 s) when it was made elsewhere (a live answer is reused that long, so the
 * repeated calls of one session cost one query a second instead of one each; SPEC allows 5 s).
 * @param ctx the request context
 * @returns `null` when the call acts for nobody, else the actor with their current role and session id
 * @throws TRPCError UNAUTHORIZED {@link SESSION_REVOKED} when the claim has no `sid` or the session or
 *   user fails a check; the driver's error when the database does not answer (mapped by the kit to 503)
 */
export async function resolveActor(ctx: RequestContext): Promise<Actor | null> {
  const claimed = ctx.claimedActor;
  if (claimed === null) return null;
  // The gateway always binds a user's calls to the session of their access token.
  if (claimed.sessionId === undefined) throw new TRPCError({ code: 'UNAUTHORIZED', message: SESSION_REVOKED });
  const actor = await ctx.sessions.findLiveActor(claimed.sessionId, claimed.id);
  if (!actor) throw new TRPCError({ code: 'UNAUTHORIZED', message: SESSION_REVOKED });
  return actor;
}

const service = initService<RequestContext>({ resolveActor, messages: { conflict: EMAIL_TAKEN } });

/** Builds a router from an object of procedures. */
export const router = service.router;

/**
 * Implements one procedure contract with the kit's `implement`: the contract's schemas and auth level
 * (checked against the live session by {@link resolveActor}), and the kit's error table.
 * @example list: implement(usersContract.list, ({ ctx, input }) => ctx.users.list(input.limit, input.offset))
 */
export const implement = service.implement;
