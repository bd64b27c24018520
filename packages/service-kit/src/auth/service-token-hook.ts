import { type Actor, SERVICE_TOKEN_REJECTED } from '@basis/contracts';
import { type AnyRouter, getErrorShape, TRPCError } from '@trpc/server';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { ServiceTokenError, serviceTokenKey, verifyServiceToken } from './service-token.js';

/** The actor each authenticated request acts for; requests that failed the check are never in here. */
const actors = new WeakMap<FastifyRequest, Actor | null>();

/** Message of every UNAUTHORIZED caused by the service credential. */
export const INVALID_SERVICE_TOKEN = 'Missing or invalid service token';

/**
 * Sends tRPC's own error body (one per path for a batch call), shaped by the router's errorFormatter,
 * with `data.reason` = SERVICE_TOKEN_REJECTED so the gateway can tell this from a user's wrong password.
 */
function sendUnauthorized(req: FastifyRequest, reply: FastifyReply, prefix: string, router: AnyRouter): FastifyReply {
  const url = new URL(req.url, 'http://localhost');
  const paths = decodeURIComponent(url.pathname.slice(prefix.length).replace(/^\//, '')).split(',');
  const error = new TRPCError({ code: 'UNAUTHORIZED', message: INVALID_SERVICE_TOKEN });
  const bodies = paths.map((path) => {
    const shape = getErrorShape({
      config: router._def._config,
      error,
      type: 'unknown',
      path,
      input: undefined,
      ctx: undefined,
    });
    return { error: { ...shape, data: { ...shape.data, reason: SERVICE_TOKEN_REJECTED } } };
  });
  const body = url.searchParams.get('batch') === '1' ? bodies : bodies[0];
  return reply.code(401).header('www-authenticate', 'Bearer').send(body);
}

/**
 * A Fastify `onRequest` hook for the tRPC prefix: verifies the service credential before tRPC even
 * resolves the procedure (so unknown procedures also answer 401), and remembers the actor for `actorOf`.
 * @param options.secret `SERVICE_TOKEN_SECRET`
 * @param options.audience the `aud` this service answers to (its name)
 * @param options.prefix the tRPC mount point, e.g. `/trpc`
 * @param options.router the service's router, whose errorFormatter shapes the 401 body
 */
export function requireServiceToken(options: {
  secret: string;
  audience: string;
  prefix: string;
  router: AnyRouter;
}): onRequestAsyncHookHandler {
  const { audience, prefix, router } = options;
  const key = serviceTokenKey(options.secret);
  return async (req, reply) => {
    try {
      actors.set(req, verifyServiceToken(req.headers.authorization, key, audience));
    } catch (error) {
      if (!(error instanceof ServiceTokenError)) throw error;
      req.log.info({ reason: error.message }, 'service token refused');
      return sendUnauthorized(req, reply, prefix, router);
    }
  };
}

/**
 * The actor `requireServiceToken` found for a request.
 * @throws TRPCError UNAUTHORIZED when the request did not pass the hook (a wiring mistake, never a caller's)
 */
export function actorOf(req: FastifyRequest): Actor | null {
  const actor = actors.get(req);
  if (actor === undefined) throw new TRPCError({ code: 'UNAUTHORIZED', message: INVALID_SERVICE_TOKEN });
  return actor;
}
