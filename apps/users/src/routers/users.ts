import { type UsersContract, usersContract } from '@basis/contracts';
import { TRPCError } from '@trpc/server';
import { hashPassword } from '../auth/passwords.js';
import { USER_NOT_FOUND } from '../errors.js';
import { LastAdminError, toUser } from '../repositories/users.js';
import { type Context, type Implemented, implement, router, SESSION_REVOKED } from '../trpc.js';

/** The acting user's id; `auth: 'user'` has already guaranteed there is one. */
function actorId(ctx: Context): number {
  if (!ctx.actor) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Authentication required' });
  return ctx.actor.id;
}

function notFound(): TRPCError {
  return new TRPCError({ code: 'NOT_FOUND', message: USER_NOT_FOUND });
}

/**
 * The caller's own account is gone (deleted by a concurrent call, or elsewhere within the actor reuse
 * time): their session is over, as the next call would find, so UNAUTHORIZED rather than a 404 that
 * `/users/me` does not document.
 */
function callerGone(): TRPCError {
  return new TRPCError({ code: 'UNAUTHORIZED', message: SESSION_REVOKED });
}

/** Runs a write, turning a {@link LastAdminError} into CONFLICT with its message. */
async function keepingAnAdmin<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof LastAdminError)
      throw new TRPCError({ code: 'CONFLICT', message: error.message, cause: error });
    throw error;
  }
}

const procedures = {
  create: implement(usersContract.create, async ({ ctx, input }) => {
    const { password, ...fields } = input;
    return toUser(await ctx.users.create({ ...fields, passwordHash: await hashPassword(password) }));
  }),

  list: implement(usersContract.list, ({ ctx, input }) => ctx.users.list(input.limit, input.offset)),

  me: implement(usersContract.me, async ({ ctx }) => {
    const row = await ctx.users.findById(actorId(ctx));
    if (!row) throw callerGone();
    return toUser(row);
  }),

  updateMe: implement(usersContract.updateMe, async ({ ctx, input }) => {
    const id = actorId(ctx);
    const { password, ...fields } = input;
    const passwordHash = password === undefined ? undefined : await hashPassword(password);
    const row = await ctx.users.update(id, { ...fields, passwordHash });
    if (!row) throw callerGone();
    // A new password ends every other login of this user; the caller's own session survives.
    if (passwordHash !== undefined) await ctx.sessions.revokeAllForUser(id, ctx.actor?.sessionId);
    return toUser(row);
  }),

  byId: implement(usersContract.byId, async ({ ctx, input }) => {
    const row = await ctx.users.findById(input.id);
    if (!row) throw notFound();
    return toUser(row);
  }),

  update: implement(usersContract.update, async ({ ctx, input }) => {
    const { id, password, ...fields } = input;
    const before = await ctx.users.findById(id);
    if (!before) throw notFound();
    const passwordHash = password === undefined ? undefined : await hashPassword(password);
    const row = await keepingAnAdmin(ctx.users.update(id, { ...fields, passwordHash }));
    if (!row) throw notFound();
    const revoke = passwordHash !== undefined || (before.isActive && !row.isActive) || before.role !== row.role;
    if (revoke) await ctx.sessions.revokeAllForUser(id);
    return toUser(row);
  }),

  delete: implement(usersContract.delete, async ({ ctx, input }) => {
    if (!(await keepingAnAdmin(ctx.users.delete(input.id)))) throw notFound();
  }),
} satisfies { [K in keyof UsersContract]: Implemented<UsersContract[K]> };

/** The users procedures of `usersContract`, one per entry, with the contract's kinds, schemas and auth levels. */
export const usersRouter = router(procedures);
