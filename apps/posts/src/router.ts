import { postsRouter } from './routers/posts.js';
import { router } from './trpc.js';

/** The posts service's whole tRPC API: `posts.*`, republished as REST by the gateway. */
export const appRouter = router({ posts: postsRouter });

/** The router type clients import (type-only) to get a typed tRPC client of the posts service. */
export type PostsRouter = typeof appRouter;
