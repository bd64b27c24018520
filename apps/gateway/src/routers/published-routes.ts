import type { RestRoute } from '@basis/contracts';
import type { AnyTRPCRouter } from '@trpc/server';
import type { GatewayMeta } from '../trpc.js';

/** A procedure republished as REST: its tRPC path, its contract route and whether it needs a token. */
export interface PublishedRoute {
  /** tRPC path, e.g. `users.byId`. */
  procedure: string;
  rest: RestRoute;
  protect: boolean;
}

/**
 * Lists the router's REST routes from each procedure's metadata, in registration order.
 * @param appRouter a router whose procedures were built by `fromContract` or carry `meta.rest`
 */
export function publishedRoutes(appRouter: AnyTRPCRouter): PublishedRoute[] {
  const routes: PublishedRoute[] = [];
  for (const [procedure, value] of Object.entries(appRouter._def.procedures as Record<string, unknown>)) {
    const meta = (value as { _def?: { meta?: GatewayMeta } })._def?.meta;
    if (!meta?.rest || !meta.openapi) continue;
    routes.push({
      procedure,
      rest: meta.rest,
      protect: meta.openapi.protect !== false,
    });
  }
  return routes;
}
