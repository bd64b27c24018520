import { type Post, postsContract } from '@basis/contracts';
import { createCredentialVerifier, developmentPublicKey } from '@basis/service-kit/credentials';
import { initTRPC, TRPCError } from '@trpc/server';
import { type CreateFastifyContextOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify from 'fastify';

/** How the stand-in answers: normally, never (a hung service), or with a result that breaks the contract. */
export type PostsMode = 'ok' | 'hang' | 'broken';

/** A small real tRPC service built from `postsContract`, standing in for `apps/posts` (not on this branch). */
export interface PostsUpstream extends AsyncDisposable {
  url: string;
  mode: PostsMode;
  /** Procedure paths called, in order. */
  calls: string[];
  close(): Promise<void>;
}

/**
 * Starts a posts service on 127.0.0.1, `port` (0: any free one): `posts.*` with `postsContract`'s input and output
 * schemas, posts kept in memory, the caller read from the gateway's service credential (verified
 * with the gateway's development public key, audience `posts`). Writes need a caller; update and delete the author
 * or an admin (403 otherwise), as SPEC says.
 */
export async function startPostsUpstream(port = 0): Promise<PostsUpstream> {
  const verifier = createCredentialVerifier({
    audience: 'posts',
    callerKeys: new Map([['gateway', developmentPublicKey('gateway')]]),
  });
  type Caller = { id: number; role: 'user' | 'admin' } | null;
  const t = initTRPC.context<{ caller: Caller }>().create();
  const posts: Post[] = [];
  let nextId = 1;
  const state = { mode: 'ok' as PostsMode, calls: [] as string[] };
  const guarded = t.procedure.use(async ({ path, next }) => {
    state.calls.push(path);
    if (state.mode === 'hang') await new Promise(() => {});
    return next();
  });
  const writer = guarded.use(({ ctx, next }) => {
    if (!ctx.caller) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Authentication required' });
    return next({ ctx: { caller: ctx.caller } });
  });
  const find = (id: number) => {
    const post = posts.find((candidate) => candidate.id === id);
    if (!post) throw new TRPCError({ code: 'NOT_FOUND', message: 'Post not found' });
    return post;
  };
  const own = (caller: NonNullable<Caller>, post: Post) => {
    if (caller.role !== 'admin' && caller.id !== post.authorId)
      throw new TRPCError({ code: 'FORBIDDEN', message: 'Only the author or an admin may do this' });
  };
  const router = t.router({
    posts: t.router({
      create: writer
        .input(postsContract.create.input)
        .output(postsContract.create.output)
        .mutation(({ ctx, input }) => {
          const now = new Date().toISOString();
          const post = { id: nextId++, authorId: ctx.caller.id, ...input, createdAt: now, updatedAt: now };
          posts.push(post);
          return post;
        }),
      list: guarded.input(postsContract.list.input).query(({ input }) => {
        if (state.mode === 'broken') return { items: 'not a list' };
        const matching = posts.filter((post) => input.authorId === undefined || post.authorId === input.authorId);
        const items = [...matching].reverse().slice(input.offset, input.offset + input.limit);
        return { items, total: matching.length, limit: input.limit, offset: input.offset };
      }),
      byId: guarded.input(postsContract.byId.input).query(({ input }) => find(input.id)),
      update: writer.input(postsContract.update.input).mutation(({ ctx, input }) => {
        const post = find(input.id);
        own(ctx.caller, post);
        Object.assign(post, input.title ? { title: input.title } : {}, input.body ? { body: input.body } : {});
        return post;
      }),
      delete: writer.input(postsContract.delete.input).mutation(({ ctx, input }) => {
        const post = find(input.id);
        own(ctx.caller, post);
        posts.splice(posts.indexOf(post), 1);
      }),
    }),
  });
  // A hung call must not keep close() waiting.
  const app = Fastify({ forceCloseConnections: true });
  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router,
      createContext: ({ req }: CreateFastifyContextOptions) => {
        const { actor } = verifier.verify(req.headers.authorization);
        return { caller: actor ? { id: actor.id, role: actor.role } : null };
      },
    },
  });
  app.get('/readyz', async () => ({ status: 'ok' }));
  const url = await app.listen({ port, host: '127.0.0.1' });
  const close = async () => {
    await app.close();
  };
  return {
    url,
    get mode() {
      return state.mode;
    },
    set mode(mode: PostsMode) {
      state.mode = mode;
    },
    calls: state.calls,
    close,
    [Symbol.asyncDispose]: close,
  };
}
