import { type PostsContract, postsContract } from '@basis/contracts';
import { TRPCError } from '@trpc/server';
import type { PostRow } from '../db/schema.js';
import { NOT_AUTHOR, POST_NOT_FOUND } from '../errors.js';
import { toPost } from '../repositories/posts.js';
import { type Context, type Implemented, implement, router } from '../trpc.js';

/** The acting user; `auth: 'user'` has already guaranteed there is one. */
function actorOf(ctx: Context): NonNullable<Context['actor']> {
  if (!ctx.actor) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Authentication required' });
  return ctx.actor;
}

/**
 * The post a write names, if the caller may change it: 404 first when it does not exist, then 403
 * unless the caller wrote it or is an admin.
 */
async function writablePost(ctx: Context, id: number): Promise<PostRow> {
  const actor = actorOf(ctx);
  const row = await ctx.posts.findById(id);
  if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: POST_NOT_FOUND });
  if (row.authorId !== actor.id && actor.role !== 'admin')
    throw new TRPCError({ code: 'FORBIDDEN', message: NOT_AUTHOR });
  return row;
}

const procedures = {
  create: implement(postsContract.create, async ({ ctx, input }) =>
    toPost(await ctx.posts.create(actorOf(ctx).id, input)),
  ),

  list: implement(postsContract.list, ({ ctx, input }) => ctx.posts.list(input)),

  byId: implement(postsContract.byId, async ({ ctx, input }) => {
    const row = await ctx.posts.findById(input.id);
    if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: POST_NOT_FOUND });
    return toPost(row);
  }),

  update: implement(postsContract.update, async ({ ctx, input }) => {
    const { id, ...changes } = input;
    const current = await writablePost(ctx, id);
    if (changes.title === undefined && changes.body === undefined) return toPost(current);
    const row = await ctx.posts.update(id, changes);
    if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: POST_NOT_FOUND });
    return toPost(row);
  }),

  delete: implement(postsContract.delete, async ({ ctx, input }) => {
    await writablePost(ctx, input.id);
    if (!(await ctx.posts.delete(input.id))) throw new TRPCError({ code: 'NOT_FOUND', message: POST_NOT_FOUND });
  }),
} satisfies { [K in keyof PostsContract]: Implemented<PostsContract[K]> };

/** The procedures of `postsContract`, one per entry, with the contract's kinds, schemas and auth levels. */
export const postsRouter = router(procedures);
