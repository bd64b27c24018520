import type { FastifyInstance } from 'fastify';
import { sendErrorEnvelope } from './error-envelope.js';

/**
 * Fields a request may carry once, by lower-case name, with their usual spelling. Node keeps the
 * first `Host`, `Authorization` and `Content-Type` and joins repeated `Idempotency-Key`s with `, `:
 * either way one of the values would be silently ignored, and a proxy in front may have read the other.
 */
const SINGLETON_FIELDS: ReadonlyMap<string, string> = new Map([
  ['host', 'Host'],
  ['authorization', 'Authorization'],
  ['content-type', 'Content-Type'],
  ['idempotency-key', 'Idempotency-Key'],
]);

const SINGLETON_LENGTHS = new Set([...SINGLETON_FIELDS.keys()].map((name) => name.length));

/**
 * The first field of {@link SINGLETON_FIELDS} that a request repeats, in one pass over its raw
 * headers (`[name, value, name, value, …]` as received).
 * @returns its usual spelling (`Content-Type`), or `undefined` when none is repeated
 */
function repeatedSingleton(rawHeaders: readonly string[]): string | undefined {
  let seen: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const header = rawHeaders[i];
    if (header === undefined || !SINGLETON_LENGTHS.has(header.length)) continue;
    const name = header.toLowerCase();
    if (!SINGLETON_FIELDS.has(name)) continue;
    if (seen?.has(name)) return SINGLETON_FIELDS.get(name);
    seen ??= new Set();
    seen.add(name);
  }
  return undefined;
}

/**
 * What the gateway refuses before routing to any handler, in the error envelope:
 * - 400 for a repeated `Host`, `Authorization`, `Content-Type` or `Idempotency-Key` (Node would
 *   silently keep one: which credentials, which body type, which key count must never be ambiguous);
 * - 400 for an HTTP/1.1 request without `Host`. Node refuses those with a bare 400 and no body;
 *   the server is created with `requireHostHeader: false` so that this hook answers instead;
 * - 415 for a body with a `Content-Encoding` other than `identity` (the gateway decodes none: a
 *   gzip body would otherwise be read as malformed JSON).
 * @see RFC 9110 §5.3 (a field that is not a list must not be repeated), RFC 9112 §3.2 (Host: 400
 *   when missing or repeated), RFC 9110 §15.5.16 (415 for an unsupported content coding)
 */
export function registerRequestGuards(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    const headers = request.raw.headers;
    if (headers.host === undefined && request.raw.httpVersion === '1.1') {
      sendErrorEnvelope(request, reply, 400, { code: 'BAD_REQUEST', message: 'Missing Host header' });
      return;
    }
    const repeated = repeatedSingleton(request.raw.rawHeaders);
    if (repeated !== undefined) {
      sendErrorEnvelope(request, reply, 400, {
        code: 'BAD_REQUEST',
        message: `Send one ${repeated} header, not several`,
      });
      return;
    }
    const encoding = headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      sendErrorEnvelope(
        request,
        reply,
        415,
        { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Content-Encoding is not supported: send the body uncompressed' },
        { 'accept-encoding': 'identity' },
      );
      return;
    }
    done();
  });
}
