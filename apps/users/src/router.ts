import { eventsRouter } from './routers/events.js';
import { internalRouter } from './routers/internal.js';
import { usersRouter } from './routers/users.js';
import { router } from './trpc.js';

/**
 * The users service's whole tRPC API: `users.*` (republished as REST), `internal.*` (gateway only) and
 * `events.*` (posts only); each procedure's allow-list is its contract's `callers`.
 */
export const appRouter = router({ users: usersRouter, internal: internalRouter, events: eventsRouter });

/** The router type clients import (type-only) to get a typed tRPC client of the users service. */
export type UsersRouter = typeof appRouter;
