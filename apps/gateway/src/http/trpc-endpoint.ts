import type { AnyTRPCRouter } from '@trpc/server';
import { type FastifyHandlerOptions, fastifyRequestHandler } from '@trpc/server/adapters/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { JsonTooDeepError, MAX_JSON_DEPTH, nestsDeeperThan, registerJsonBodyParser } from './json-body.js';

/** The most calls one tRPC batch may hold; a larger batch is a 400 before any call runs. */
export const TRPC_MAX_BATCH_SIZE = 10;

/**
 * Serves `router` over tRPC at `prefix/:path` with tRPC's own Fastify request handler, as
 * `fastifyTRPCPlugin` does, plus what the plugin lacks:
 * - batches of at most {@link TRPC_MAX_BATCH_SIZE} calls (tRPC's `maxBatchSize`);
 * - JSON input nested deeper than the limit of http/json-body.ts, as a body or as the `input` query
 *   parameter of a GET, is a 400 in the envelope before tRPC parses it;
 * - HEAD is GET without a body (tRPC answers every HEAD 204, with no routing and no auth):
 *   the call runs as a GET, and Node sends no body for a HEAD request;
 * - other methods are 405 with `Allow: GET, HEAD, POST` (http/method-not-allowed.ts).
 * @param app the Fastify instance
 * @param prefix e.g. `/trpc`
 * @param trpcOptions router, `createContext`, `responseMeta`, `onError`
 */
export async function registerTrpcEndpoint(
  app: FastifyInstance,
  prefix: string,
  trpcOptions: FastifyHandlerOptions<AnyTRPCRouter, FastifyRequest, FastifyReply>,
): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    registerJsonBodyParser(scope, { keepRaw: true });
    const handler = async (
      request: FastifyRequest<{ Params: { path: string }; Querystring: { input?: string | string[] } }>,
      reply: FastifyReply,
    ) => {
      const input = request.query.input;
      if ([input ?? []].flat().some((text) => nestsDeeperThan(text, MAX_JSON_DEPTH)))
        throw new JsonTooDeepError(MAX_JSON_DEPTH, 'The input query parameter');
      const head = request.raw.method === 'HEAD';
      if (head) request.raw.method = 'GET';
      try {
        await fastifyRequestHandler({
          ...trpcOptions,
          maxBatchSize: TRPC_MAX_BATCH_SIZE,
          req: request as FastifyRequest,
          res: reply,
          path: request.params.path,
        });
      } finally {
        if (head) request.raw.method = 'HEAD';
      }
    };
    // Not Fastify's exposed HEAD route: its onSend cannot measure the web Response tRPC sends.
    scope.route({ method: ['GET', 'HEAD', 'POST'], url: `${prefix}/:path`, handler, exposeHeadRoute: false });
  });
}
