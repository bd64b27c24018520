import { authRouter } from './routers/auth.js';
import { usersRouter } from './routers/users.js';
import { router } from './trpc.js';

/** The gateway's whole API: served as REST under `/api/v1` and as tRPC under `/trpc`. */
export const appRouter = router({ users: usersRouter, auth: authRouter });

/** The router type TypeScript clients import (type-only) for a typed tRPC client of the gateway. */
export type GatewayRouter = typeof appRouter;
