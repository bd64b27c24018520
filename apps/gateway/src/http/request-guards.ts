import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sendErrorEnvelope } from './error-envelope.js';

/** How many times a header (lower-case name) appears in a request; Node keeps only the first `Authorization`. */
function occurrences(request: FastifyRequest, name: string): number {
  const raw = request.raw.rawHeaders;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const header = raw[i];
    if (header !== undefined && header.length === name.length && header.toLowerCase() === name) count += 1;
  }
  return count;
}

/**
 * What the gateway refuses before routing to any handler, with 400 in the error envelope:
 * - two or more `Authorization` headers (Node would silently keep the first: which credentials
 *   count must never be ambiguous);
 * - an HTTP/1.1 request without `Host` (RFC 9112 §3.2). Node refuses those with a bare 400 and
 *   no body; the server is created with `requireHostHeader: false` so that this hook answers instead.
 * @see RFC 9110 §5.3 (a field that is not a list must not be repeated), RFC 9112 §3.2 (Host)
 */
export function registerRequestGuards(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    const headers = request.raw.headers;
    if (headers.host === undefined && request.raw.httpVersion === '1.1') {
      sendErrorEnvelope(request, reply, 400, { code: 'BAD_REQUEST', message: 'Missing Host header' });
      return;
    }
    if (headers.authorization !== undefined && occurrences(request, 'authorization') > 1) {
      sendErrorEnvelope(request, reply, 400, {
        code: 'BAD_REQUEST',
        message: 'Send one Authorization header, not several',
      });
      return;
    }
    done();
  });
}
