import { profilesContract } from '@basis/contracts';
import { authRouter } from './routers/auth.js';
import { fromContract } from './routers/from-contract.js';
import { publishServices } from './routers/publish.js';
import { services } from './services.js';
import { router } from './trpc.js';

/**
 * The gateway's whole API: served as REST under `/api/v1` and as tRPC under `/trpc`. Every
 * declared service's contracts (services.ts), the credential procedures the gateway implements
 * itself, and the compositions declared in the contracts.
 */
export const appRouter = router({
  ...publishServices(services),
  auth: authRouter,
  profiles: fromContract(profilesContract),
});

/** The router type TypeScript clients import (type-only) for a typed tRPC client of the gateway. */
export type GatewayRouter = typeof appRouter;
