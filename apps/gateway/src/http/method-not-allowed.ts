import type { FastifyInstance, HTTPMethods } from 'fastify';
import { sendMethodNotAllowed } from './error-envelope.js';

/** Methods Fastify routes, in the order `Allow` lists them; a known path answers 405 to those it does not serve. */
const ROUTABLE_METHODS: readonly HTTPMethods[] = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'QUERY',
];

/**
 * Answers 405 with `Allow` on every known path asked with a method it does not serve, whoever
 * registered the path: the REST routes, `/trpc/:path`, `/openapi.json`, `/docs` and its assets,
 * `/redoc`, `/healthz`, `/readyz`, `/metrics`, the JWKS. Call it before any route is registered: it
 * records each route (Fastify's `onRoute`); call the function it returns after the last one, to add
 * one route per path for the methods missing there. A path served by GET also serves HEAD. The
 * catch-all `*` (the CORS preflight route) is not a known path. A 405 route on a concrete path also
 * keeps a parametric sibling from taking that method: `DELETE /users/me` is a 405, never
 * `DELETE /users/{id}`.
 * @param app the Fastify instance, before any route
 * @returns registers the 405 routes; routes added after it get none
 * @see RFC 9110 §15.5.6 (405 must carry Allow)
 */
export function trackMethodNotAllowed(app: FastifyInstance): () => Promise<void> {
  // Only the paths: Fastify registers some variants (the `/docs/` of a prefixed `/docs`) without
  // calling onRoute for every method, so what each path serves is asked of the router at the end.
  const paths = new Set<string>();
  let sealed = false;
  app.addHook('onRoute', (route) => {
    if (!sealed && route.url !== '*') paths.add(route.url);
  });
  return async () => {
    sealed = true;
    const missing = [...paths].flatMap((url) => {
      const served = ROUTABLE_METHODS.filter((method) => app.hasRoute({ method, url }));
      const others = ROUTABLE_METHODS.filter((method) => !served.includes(method));
      return others.length === 0 ? [] : [{ url, others, allow: served.join(', ') }];
    });
    await app.register(async (scope) => {
      // A 405 whatever the body: none is read (Node discards it), so no 400 or 415 comes first.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
      for (const { url, others, allow } of missing)
        scope.route({
          method: others,
          url,
          exposeHeadRoute: false,
          handler: (request, reply) => sendMethodNotAllowed(request, reply, allow),
        });
    });
  };
}
