import { internalRouter } from './routers/internal.js';
import { usersRouter } from './routers/users.js';
import { router } from './trpc.js';

/** The users service's whole tRPC API: `users.*` (republished as REST) and `internal.*` (gateway only). */
export const appRouter = router({ users: usersRouter, internal: internalRouter });

/** The router type clients import (type-only) to get a typed tRPC client of the users service. */
export type UsersRouter = typeof appRouter;
