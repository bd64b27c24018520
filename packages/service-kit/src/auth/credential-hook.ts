import { type Actor, CALLER_NOT_ALLOWED, DEFAULT_CALLERS, SERVICE_TOKEN_REJECTED } from '@basis/contracts';
import { type AnyRouter, getErrorShape, type TRPC_ERROR_CODE_KEY, TRPCError } from '@trpc/server';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { type CredentialVerifier, ServiceTokenError, type VerifiedCredential } from '../credentials/verify.js';

/** The credential each admitted request carries; requests that failed the check are never in here. */
const credentials = new WeakMap<FastifyRequest, VerifiedCredential>();

/** Message of every UNAUTHORIZED caused by the service credential. */
export const INVALID_SERVICE_TOKEN = 'Missing or invalid service token';

/** What the tRPC `meta` of a procedure built by `implement` carries. */
export interface ServiceMeta {
  /** Its allow-list: the callers (`iss`) it answers. */
  callers?: readonly string[];
}

/** The procedure paths a tRPC request names (`a.b` or a batch `a.b,c.d`). */
function pathsOf(url: URL, prefix: string): string[] {
  return decodeURIComponent(url.pathname.slice(prefix.length).replace(/^\//, '')).split(',');
}

/**
 * Sends tRPC's own error body (one per path for a batch call), shaped by the router's errorFormatter,
 * with `data.reason` so the gateway can tell this from a user's wrong password.
 */
function sendRefusal(
  req: FastifyRequest,
  reply: FastifyReply,
  options: { prefix: string; router: AnyRouter; code: TRPC_ERROR_CODE_KEY; message: string; reason: string },
): FastifyReply {
  const url = new URL(req.url, 'http://localhost');
  const error = new TRPCError({ code: options.code, message: options.message });
  const bodies = pathsOf(url, options.prefix).map((path) => {
    const shape = getErrorShape({
      config: options.router._def._config,
      error,
      type: 'unknown',
      path,
      input: undefined,
      ctx: undefined,
    });
    return { error: { ...shape, data: { ...shape.data, reason: options.reason } } };
  });
  const body = url.searchParams.get('batch') === '1' ? bodies : bodies[0];
  const status = options.code === 'UNAUTHORIZED' ? 401 : 403;
  if (status === 401) reply.header('www-authenticate', 'Bearer');
  return reply.code(status).send(body);
}

/**
 * The allow-list of each procedure of a router, by path (`internal.createSession`), from the `meta`
 * `implement` records; a procedure built otherwise answers {@link DEFAULT_CALLERS}.
 */
function allowListsOf(router: AnyRouter): Map<string, readonly string[]> {
  const procedures = router._def.procedures as Record<string, { _def?: { meta?: ServiceMeta } }>;
  return new Map(
    Object.entries(procedures).map(([path, procedure]) => [path, procedure._def?.meta?.callers ?? DEFAULT_CALLERS]),
  );
}

/**
 * A Fastify `onRequest` hook for the tRPC prefix: verifies the service credential before tRPC even
 * resolves the procedure (so unknown procedures also answer 401), then checks the caller against the
 * allow-list of every procedure the request names (each member of a batch) before any input is
 * parsed, and remembers the credential for `credentialOf`.
 * - no credential, a bad one, or an unknown caller → 401 `UNAUTHORIZED`, `data.reason` SERVICE_TOKEN_REJECTED;
 * - a valid credential of a caller not on a named procedure's list → 403 `FORBIDDEN` naming caller and
 *   procedure, `data.reason` CALLER_NOT_ALLOWED. Unknown paths are left to tRPC (404).
 * @param options.verifier this service's {@link CredentialVerifier}
 * @param options.prefix the tRPC mount point, e.g. `/trpc`
 * @param options.router the service's router: its procedures' allow-lists, its errorFormatter
 */
export function requireServiceCredential(options: {
  verifier: CredentialVerifier;
  prefix: string;
  router: AnyRouter;
}): onRequestAsyncHookHandler {
  const { verifier, prefix, router } = options;
  const allowLists = allowListsOf(router);
  return async (req, reply) => {
    let credential: VerifiedCredential;
    try {
      credential = verifier.verify(req.headers.authorization);
    } catch (error) {
      if (!(error instanceof ServiceTokenError)) throw error;
      req.log.info({ reason: error.message }, 'service token refused');
      const message = INVALID_SERVICE_TOKEN;
      return sendRefusal(req, reply, { prefix, router, code: 'UNAUTHORIZED', message, reason: SERVICE_TOKEN_REJECTED });
    }
    for (const path of pathsOf(new URL(req.url, 'http://localhost'), prefix)) {
      const allowed = allowLists.get(path);
      if (allowed && !allowed.includes(credential.caller)) {
        req.log.warn({ caller: credential.caller, path }, 'caller not allowed');
        const message = `Caller "${credential.caller}" may not call ${path}`;
        return sendRefusal(req, reply, { prefix, router, code: 'FORBIDDEN', message, reason: CALLER_NOT_ALLOWED });
      }
    }
    credentials.set(req, credential);
  };
}

/**
 * The credential `requireServiceCredential` admitted for a request: its caller and actor.
 * @throws TRPCError UNAUTHORIZED when the request did not pass the hook (a wiring mistake, never a caller's)
 */
export function credentialOf(req: FastifyRequest): { caller: string; actor: Actor | null } {
  const credential = credentials.get(req);
  if (credential === undefined) throw new TRPCError({ code: 'UNAUTHORIZED', message: INVALID_SERVICE_TOKEN });
  return credential;
}
