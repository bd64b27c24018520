import { randomUUID } from 'node:crypto';
import { REQUEST_ID_HEADER } from '@basis/contracts';
import type { FastifyInstance, RawRequestDefaultExpression } from 'fastify';

/** A request id we accept from the caller; anything else is replaced by a fresh UUID. */
export const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify's `genReqId`: keeps a valid incoming `x-request-id` (1..128 of `A-Za-z0-9._:-`), else a fresh UUID.
 * @param req the raw Node request
 * @returns the id Fastify gives the request (`req.id`, `reqId` on its log lines)
 */
export function requestIdOf(req: RawRequestDefaultExpression): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Echoes each request's id in the `x-request-id` response header (pair with `genReqId: requestIdOf`). */
export function registerRequestIdHeader(app: FastifyInstance): void {
  app.addHook('onRequest', async (req, reply) => {
    reply.header(REQUEST_ID_HEADER, req.id);
  });
}
