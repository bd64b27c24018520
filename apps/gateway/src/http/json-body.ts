import type { FastifyInstance } from 'fastify';

/** The deepest JSON nesting a request body may have: arrays and objects, counted together. */
export const MAX_JSON_DEPTH = 64;

/**
 * Thrown (as a Fastify error, 400) for JSON input nested deeper than {@link MAX_JSON_DEPTH}: a body,
 * or the `input` query parameter of a tRPC GET.
 */
export class JsonTooDeepError extends Error {
  override name = 'JsonTooDeepError';
  readonly statusCode = 400;
  readonly code = 'BASIS_JSON_TOO_DEEP';
  /** @param where what was nested, as the message names it: `JSON body`, `The input query parameter` */
  constructor(
    readonly maxDepth: number,
    where = 'JSON body',
  ) {
    super(`${where} is nested deeper than ${maxDepth} levels`);
  }
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether a JSON text nests arrays and objects deeper than `max`, by one pass over its characters
 * (brackets inside strings do not count). Malformed text is left to the parser to refuse.
 * @param text the raw body
 * @param max the deepest nesting allowed, e.g. {@link MAX_JSON_DEPTH}
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i += 1;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth += 1;
      if (depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth -= 1;
    }
  }
  return false;
}

/**
 * Replaces the `application/json` body parser of `app` (and its children) with Fastify's own
 * (prototype-poisoning checks, 400 on malformed or empty JSON, 413 over the body limit) preceded
 * by a nesting check: a body nested deeper than {@link MAX_JSON_DEPTH} is a 400 before any
 * handler runs (a 5000-level body used to overflow the stack in the REST and tRPC body paths: 500).
 * An empty body of a DELETE is no body, not Fastify's "Empty body" 400.
 * @param app the Fastify instance or plugin scope whose JSON parser to replace
 * @param keepRaw hand the handler the text instead of the parsed value (what tRPC's adapter wants)
 */
export function registerJsonBodyParser(app: FastifyInstance, { keepRaw = false } = {}): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    // A DELETE reads its input from the path and query, never a body: an empty one is no body, even
    // when the client labels it JSON (a default `content-type` header), instead of Fastify's 400.
    if (text === '' && request.method === 'DELETE') {
      done(null, undefined);
      return;
    }
    if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
      done(new JsonTooDeepError(MAX_JSON_DEPTH), undefined);
      return;
    }
    if (keepRaw) done(null, text);
    else parse(request, text, done);
  });
}
