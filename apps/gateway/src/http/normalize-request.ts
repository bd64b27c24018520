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
 * The longest path parameter the router matches (Fastify's `routerOptions.maxParamLength`; tRPC
 * batch calls put every procedure path in one segment). A longer segment is a 414 from
 * {@link rewriteRequestUrl}, in the envelope, not Fastify's bare `FST_ERR_MAX_PARAM_LENGTH` body.
 */
export const MAX_PARAM_LENGTH = 5000;

/**
 * Where {@link rewriteRequestUrl} sends a request target the router cannot take: malformed
 * percent-encoding in the path or the query (`%ZZ`, `%C0%AF`, `%FF`), an absolute-form target that
 * is not a valid http(s) URL, a path segment over {@link MAX_PARAM_LENGTH}. A route of
 * {@link registerRequestNormalization} answers it in the envelope, through every hook (request id,
 * security headers, log line), instead of Fastify's bare `FST_ERR_BAD_URL` or
 * `FST_ERR_MAX_PARAM_LENGTH` body.
 */
export const BAD_URL_PATH = '/.basis/bad-request-target';

/** Why a request target was refused: the status and the message of its answer. */
interface BadTarget {
  status: 400 | 414;
  message: string;
}

/** Requests that {@link rewriteRequestUrl} sent to {@link BAD_URL_PATH}; a client asking for it directly is not one. */
const badTargets = new WeakMap<IncomingMessage, BadTarget>();

function decodes(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The origin form (`/path?query`) of an absolute-form request target (`http://host/path?query`),
 * read as find-my-way reads it; `null` when it is not a valid http(s) URL with a host.
 * @see RFC 9112 §3.2.2 (absolute-form)
 */
function originForm(target: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(target);
  } catch {
    return null;
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.host === '') return null;
  if (target.includes('#')) return null;
  const authorityStart = target.indexOf('://') + 3;
  const pathStart = target.slice(authorityStart).search(/[/?]/);
  if (pathStart === -1) return '/';
  const rest = target.slice(authorityStart + pathStart);
  return rest.startsWith('?') ? `/${rest}` : rest;
}

/** Why the router cannot take this origin-form target, or `undefined` when it can. */
function badTarget(url: string): BadTarget | undefined {
  if (!url.includes('%') && url.length <= MAX_PARAM_LENGTH) return undefined;
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  if (!decodes(path)) return { status: 400, message: 'The request path has malformed percent-encoding' };
  if (queryAt !== -1 && !decodes(url.slice(queryAt + 1)))
    return { status: 400, message: 'The query string has malformed percent-encoding' };
  if (path.length > MAX_PARAM_LENGTH && path.split('/').some((segment) => segment.length > MAX_PARAM_LENGTH))
    return { status: 414, message: `A path segment is longer than ${MAX_PARAM_LENGTH} characters` };
  return undefined;
}

/**
 * Fastify's `rewriteUrl`: an absolute-form target reduced to its origin form, then
 * {@link normalizeUrl}; {@link BAD_URL_PATH} for a target the router cannot take (see there).
 * @param req the raw request
 * @returns the URL to route
 */
export function rewriteRequestUrl(req: IncomingMessage): string {
  let url = req.url ?? '/';
  if (!url.startsWith('/') && url !== '*') {
    const origin = originForm(url);
    if (origin === null) {
      badTargets.set(req, { status: 400, message: 'The request target is not a valid http(s) URL' });
      return BAD_URL_PATH;
    }
    url = origin;
  }
  const bad = badTarget(url);
  if (bad) {
    badTargets.set(req, bad);
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
 * - a target the router cannot take (malformed percent-encoding, an invalid absolute URL, an
 *   overlong segment): 400 or 414 in the envelope (see {@link BAD_URL_PATH}).
 * @param app the Fastify instance, created with `rewriteUrl: rewriteRequestUrl`
 */
export function registerRequestNormalization(app: FastifyInstance): void {
  app.all(BAD_URL_PATH, (request, reply) => {
    const bad = badTargets.get(request.raw);
    if (!bad) {
      reply.callNotFound();
      return;
    }
    sendErrorEnvelope(request, reply, bad.status, { code: 'BAD_REQUEST', message: bad.message });
  });
  app.addHook('onRequest', (request, _reply, done) => {
    const contentType = request.raw.headers['content-type'];
    if (contentType !== undefined) request.raw.headers['content-type'] = normalizeContentType(contentType);
    done();
  });
}
