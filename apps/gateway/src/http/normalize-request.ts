import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { sendErrorEnvelope } from './error-envelope.js';

/** A `.` or `..` segment (also percent-encoded, `%2e`), or an empty one (`//`): only then is a path rewritten. */
const NEEDS_NORMALIZING = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)|\/\//i;

/**
 * The request target with its path normalized, for routing: runs of `/` merged into one, then
 * `.` and `..` segments resolved (never above the root); the query string is kept as is. A path
 * with neither is returned unchanged. `\` and `#` in the path stay literal characters (the
 * WHATWG parser would read `\` as `/` and cut at `#`).
 * @param url the request target as received, e.g. `/api/v1/x/../auth/access?b=1`
 * @returns e.g. `/api/v1/auth/access?b=1`
 * @example normalizeUrl('/api/v1//users/./me') // '/api/v1/users/me'
 * @see RFC 3986 §5.2.4 (remove dot segments), §6.2.2.3 (path segment normalization)
 */
export function normalizeUrl(url: string): string {
  if (!url.startsWith('/')) return url; // `*` (OPTIONS) or absolute-form: not a path to resolve
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  if (!NEEDS_NORMALIZING.test(path)) return url;
  const query = queryAt === -1 ? '' : url.slice(queryAt);
  // Merging slashes first also keeps `//host/x` from being read as a network-path reference.
  const merged = path
    .replace(/\/{2,}/g, '/')
    .replaceAll('\\', '%5C')
    .replaceAll('#', '%23');
  return `${new URL(merged, 'http://gateway.invalid').pathname}${query}`;
}

/**
 * The `content-type` header with its media type (`type/subtype`) lower-cased and its parameters
 * untouched (a `boundary` value is case-sensitive).
 * @example normalizeContentType('APPLICATION/JSON; charset=UTF-8') // 'application/json; charset=UTF-8'
 * @see RFC 9110 §8.3.1 (media types are case-insensitive)
 */
export function normalizeContentType(value: string): string {
  const semicolon = value.indexOf(';');
  const mediaType = semicolon === -1 ? value : value.slice(0, semicolon);
  const lower = mediaType.trim().toLowerCase();
  return semicolon === -1 ? lower : `${lower}${value.slice(semicolon)}`;
}

/**
 * Where {@link rewriteRequestUrl} sends a request whose path is not valid percent-encoded UTF-8
 * (`%ZZ`, `%C0%AF`, `%FF`): a route of {@link registerRequestNormalization} answers it with 400 in
 * the envelope, through every hook (request id, security headers, log line), instead of Fastify's
 * bare `FST_ERR_BAD_URL` body.
 */
export const BAD_URL_PATH = '/.basis/bad-request-target';

/** Requests that {@link rewriteRequestUrl} sent to {@link BAD_URL_PATH}; a client asking for it directly is not one. */
const badTargets = new WeakSet<IncomingMessage>();

function decodes(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Fastify's `rewriteUrl`: {@link normalizeUrl}, and {@link BAD_URL_PATH} for a path with malformed
 * percent-encoding.
 * @param req the raw request
 * @returns the URL to route
 */
export function rewriteRequestUrl(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  if (path.includes('%') && !decodes(path)) {
    badTargets.add(req);
    return BAD_URL_PATH;
  }
  return normalizeUrl(url);
}

/**
 * The gateway's request normalization, the one place a request is reshaped before it is handled:
 * - the path, before routing: pass {@link rewriteRequestUrl} as Fastify's `rewriteUrl` option, so
 *   `/api/v1/x/../auth/access` and `/api/v1//auth/access` reach `/api/v1/auth/access`;
 * - the `content-type` media type, lower-cased (here, in `onRequest`, before the body is
 *   parsed), so `APPLICATION/JSON` is JSON and not a 415.
 * - a path with malformed percent-encoding: 400 in the envelope (see {@link BAD_URL_PATH}).
 * @param app the Fastify instance, created with `rewriteUrl: rewriteRequestUrl`
 */
export function registerRequestNormalization(app: FastifyInstance): void {
  app.all(BAD_URL_PATH, (request, reply) => {
    if (!badTargets.has(request.raw)) {
      reply.callNotFound();
      return;
    }
    sendErrorEnvelope(request, reply, 400, {
      code: 'BAD_REQUEST',
      message: 'The request path has malformed percent-encoding',
    });
  });
  app.addHook('onRequest', (request, _reply, done) => {
    const contentType = request.raw.headers['content-type'];
    if (contentType !== undefined) request.raw.headers['content-type'] = normalizeContentType(contentType);
    done();
  });
}
