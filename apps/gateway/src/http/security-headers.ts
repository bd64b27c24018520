import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The response headers helmet sets with `options`, computed once by running its middleware
 * against a recording response. Valid only for options that do not depend on the request
 * (no CSP nonces, no directive functions), which is the gateway's case: helmet's defaults.
 * @returns lower-cased header names to values, e.g. `x-content-type-options: nosniff`
 */
export function securityHeaders(options: Readonly<HelmetOptions> = {}): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: number | string | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
      return recorder;
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return Object.freeze(headers);
}

/**
 * Puts helmet's security headers on every response (404s and errors too) from one object made
 * at start. @fastify/helmet rebuilt helmet from its options on every request (CSP string
 * included), two `onRequest` hooks per request. A route that sets one of these headers itself
 * wins, since its handler runs later: /docs and /redoc set their own `content-security-policy`.
 */
export function registerSecurityHeaders(app: FastifyInstance, options: Readonly<HelmetOptions> = {}): void {
  const headers = securityHeaders(options);
  app.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(headers);
    done();
  });
}
