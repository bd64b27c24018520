import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

/**
 * Helmet's default security headers (CSP, HSTS, `X-Content-Type-Options`, `X-Frame-Options`, …),
 * as the `helmet` middleware sets them, read once: none of its defaults depends on the request.
 * @returns header name (lower case) → value
 * @throws Error when the middleware does not finish synchronously (a helmet that changed how it works)
 * @see https://helmetjs.github.io/
 */
export function helmetHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: unknown) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let finished = false;
  helmet()({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
    finished = true;
  });
  if (!finished) throw new Error('helmet did not set its headers synchronously');
  return headers;
}

/**
 * Helmet's defaults on every response ({@link helmetHeaders}), set first thing so that errors
 * carry them too; a route may override one (the docs pages set their own CSP, docs/csp.ts).
 * The headers are computed once at start, rather than by `@fastify/helmet`, which runs helmet's
 * twelve middlewares and their `setHeader` calls on every request (~4% of the gateway's CPU).
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  const headers = helmetHeaders();
  // A callback hook, not an async one: no promise per request on the hot path.
  app.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(headers);
    done();
  });
}
