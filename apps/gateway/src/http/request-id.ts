import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { REQUEST_ID_HEADER } from '@basis/contracts';
import type { FastifyInstance } from 'fastify';

/** A request id we accept from a client: 1 to 128 characters of `[A-Za-z0-9._:-]`. */
export const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify `genReqId`: keeps a valid incoming `x-request-id`, else generates a UUID v4.
 * An invalid one (too long, odd characters, repeated header) is replaced, never echoed.
 */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Echoes the request id on every response (set first thing, so errors and 404s carry it too).
 * Pair with `genReqId: requestIdFor` in the Fastify options.
 */
export function registerRequestId(app: FastifyInstance): void {
  // Callback hooks, not async ones: no promise per request on the hot path.
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
}
