import type { RestRoute } from '@basis/contracts';
import type { AnyTRPCRouter } from '@trpc/server';
import type { GatewayMeta } from '../trpc.js';

/** A procedure republished as REST: its tRPC path, its contract route and whether it needs a token. */
export interface PublishedRoute {
  /** tRPC path, e.g. `users.byId`. */
  procedure: string;
  rest: RestRoute;
  protect: boolean;
  /** Matches a request path relative to the REST base (`/users/7`), as trpc-to-openapi matches it. */
  pattern: RegExp;
}

/**
 * Lists the router's REST routes from each procedure's metadata, in registration order (the
 * order trpc-to-openapi tries them in).
 * @param appRouter a router whose procedures were built by `fromContract` or carry `meta.rest`
 */
export function publishedRoutes(appRouter: AnyTRPCRouter): PublishedRoute[] {
  const routes: PublishedRoute[] = [];
  for (const [procedure, value] of Object.entries(appRouter._def.procedures as Record<string, unknown>)) {
    const meta = (value as { _def?: { meta?: GatewayMeta } })._def?.meta;
    if (!meta?.rest || !meta.openapi) continue;
    const source = meta.rest.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
    routes.push({
      procedure,
      rest: meta.rest,
      protect: meta.openapi.protect !== false,
      pattern: new RegExp(`^${source}/?$`, 'i'),
    });
  }
  return routes;
}

/**
 * Finds the REST route a request hits.
 * @param path the request path relative to the REST base, without the query string
 */
export function matchRoute(
  routes: readonly PublishedRoute[],
  method: string,
  path: string,
): PublishedRoute | undefined {
  return routes.find((route) => route.rest.method === method && route.pattern.test(path));
}
