import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorCode, type ErrorEnvelope, REQUEST_ID_HEADER } from '@basis/contracts';
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** HTTP status of each error code (tRPC's table, the one the REST adapter also uses). */
export const STATUS_OF_CODE: Record<ErrorCode, number> = {
  PARSE_ERROR: 400,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_SUPPORTED: 405,
  TIMEOUT: 408,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE_CONTENT: 422,
  TOO_MANY_REQUESTS: 429,
  CLIENT_CLOSED_REQUEST: 499,
  INTERNAL_SERVER_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
  GATEWAY_TIMEOUT: 504,
};

const CODE_OF_STATUS = new Map<number, ErrorCode>(
  Object.entries(STATUS_OF_CODE)
    .filter(([code]) => code !== 'PARSE_ERROR')
    .map(([code, status]) => [status, code as ErrorCode]),
);

const DEFAULT_MESSAGE: Partial<Record<ErrorCode, string>> = {
  NOT_FOUND: 'Not found',
  INTERNAL_SERVER_ERROR: 'Internal server error',
  TOO_MANY_REQUESTS: 'Too many requests, retry later',
};

/** Codes whose message is always ours: never a cause's wording. */
const FIXED_MESSAGE: Partial<Record<ErrorCode, string>> = {
  INTERNAL_SERVER_ERROR: 'Internal server error',
};

/** The message of every content-type refusal (Fastify's own wording echoes the header). */
const UNSUPPORTED_CONTENT_TYPE = {
  code: 'UNSUPPORTED_MEDIA_TYPE',
  message: 'Content-type must be application/json',
} as const;

/** Messages for Fastify's own errors, by Fastify error code; anything unlisted keeps a safe default. */
const FASTIFY_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'PARSE_ERROR', message: 'Malformed JSON body' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'BAD_REQUEST', message: 'Empty body with content-type application/json' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', message: 'Request body is larger than 1 MiB' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: UNSUPPORTED_CONTENT_TYPE,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'BAD_REQUEST', message: 'Content-length does not match the body' },
};

/** Replies whose body is already the envelope (see {@link sendErrorEnvelope}): `onSend` leaves them alone. */
const enveloped = new WeakSet<FastifyReply>();

/**
 * Sends an error answer in the envelope, serialized once: `onSend` does not reshape it again.
 * @param status the HTTP status (≥ 400)
 * @param body the envelope's source fields (`code`, `message`, `issues`), as for {@link toEnvelope}
 * @param headers headers the error carries (`Retry-After`, `WWW-Authenticate`, `Allow`)
 */
export function sendErrorEnvelope(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  body: { code?: string; message?: string; issues?: unknown },
  headers: Record<string, string> = {},
): void {
  enveloped.add(reply);
  void reply
    .code(status)
    .headers(headers)
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify(toEnvelope(status, body, request.id)));
}

/** The error code for a status with no more specific code: 4xx → BAD_REQUEST, 5xx → INTERNAL_SERVER_ERROR. */
function codeForStatus(status: number): ErrorCode {
  return CODE_OF_STATUS.get(status) ?? (status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR');
}

function safeIssues(issues: unknown): ErrorEnvelope['issues'] {
  if (!Array.isArray(issues)) return undefined;
  return issues.flatMap((issue: unknown) => {
    if (typeof issue !== 'object' || issue === null) return [];
    // `input` may echo what the client sent (a password); never reflect it.
    const { input: _input, ...rest } = issue as Record<string, unknown>;
    const path = Array.isArray(rest.path)
      ? rest.path.filter((p) => typeof p === 'string' || typeof p === 'number')
      : [];
    return [{ ...rest, path, message: String(rest.message ?? ''), code: String(rest.code ?? 'custom') }];
  });
}

/**
 * Shapes any error body into THE envelope `{ code, message, issues?, requestId }`.
 * `code` is kept when it is a tRPC code name, else derived from the status; 500s always get
 * a generic message; fields other than these four (a stack, upstream data) are dropped.
 * @param status the response's HTTP status (≥ 400)
 * @param body whatever error body was about to be sent (parsed JSON), or `undefined`
 * @param requestId the request's id, echoed so a client can quote it
 */
export function toEnvelope(status: number, body: unknown, requestId: string): ErrorEnvelope {
  const source = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const parsedCode = ErrorCode.safeParse(source.code);
  const code = parsedCode.success ? parsedCode.data : codeForStatus(status);
  const message =
    FIXED_MESSAGE[code] ??
    (typeof source.message === 'string' && source.message !== ''
      ? source.message
      : (DEFAULT_MESSAGE[code] ?? 'Request failed'));
  const issues = safeIssues(source.issues);
  return { code, message, ...(issues && issues.length > 0 ? { issues } : {}), requestId };
}

/**
 * Makes every error response outside `/trpc` (which keeps tRPC's own wire format) the JSON
 * envelope: Fastify's errors (malformed JSON 400, body over 1 MiB 413, unsupported media
 * type 415, rate limit 429), unknown routes (404), and the REST adapter's error bodies.
 * Server errors are logged with their cause; responses never carry a stack.
 * @param app the Fastify instance, before routes are added
 */
export function registerErrorEnvelope(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    const known =
      (error.code ? FASTIFY_ERRORS[error.code] : undefined) ?? (status === 415 ? UNSUPPORTED_CONTENT_TYPE : undefined);
    if (status >= 500) request.log.error({ err: error }, 'unhandled error');
    // Other 4xx (a JsonTooDeepError, …) carry a message written for the client.
    const body = known ?? { code: codeForStatus(status), message: status >= 500 ? undefined : error.message };
    void reply.status(status).send(toEnvelope(status, body, request.id));
  });

  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .send(toEnvelope(404, { message: `Route ${request.method} ${request.url} not found` }, request.id));
  });

  // A callback hook, not an async one: no promise per response on the hot path.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode < 400 || enveloped.has(reply) || request.url.startsWith('/trpc/')) {
      done(null, payload);
      return;
    }
    let body: unknown;
    if (typeof payload === 'string') {
      try {
        body = JSON.parse(payload);
      } catch {
        body = undefined;
      }
    } else if (payload !== undefined && payload !== null) {
      done(null, payload); // a stream or buffer: not an error body we produced
      return;
    }
    void reply.header('content-type', 'application/json; charset=utf-8');
    done(null, JSON.stringify(toEnvelope(reply.statusCode, body, request.id)));
  });
}

/**
 * Answers a known path asked with a method it does not serve: 405 METHOD_NOT_SUPPORTED in the
 * envelope, with `Allow`.
 * @param allow the methods the path serves, e.g. `GET, HEAD, PATCH`
 * @see RFC 9110 §15.5.6 (405 must carry Allow)
 */
export function sendMethodNotAllowed(request: FastifyRequest, reply: FastifyReply, allow: string): void {
  const path = request.url.split('?', 1)[0] ?? '';
  sendErrorEnvelope(
    request,
    reply,
    405,
    { code: 'METHOD_NOT_SUPPORTED', message: `${request.method} is not allowed on ${path}; allowed: ${allow}` },
    { allow },
  );
}

/** Node's HTTP parser errors that Fastify never sees as a request, by status. */
const CLIENT_ERRORS: Record<string, { status: number; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, message: 'Request headers are larger than 16 KiB' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, message: 'Request not received in time' },
};

/**
 * Fastify's `clientErrorHandler`: answers what Node's HTTP parser refused before any request
 * existed (headers over 16 KiB → 431, a malformed request line or header → 400, a request too
 * slow to arrive → 408) with the same envelope `{ code, message, requestId }` and a fresh
 * `x-request-id`, then closes the connection. A reset or destroyed socket gets nothing.
 * @param error the parser's error (`code` such as `HPE_HEADER_OVERFLOW`, `HPE_INVALID_METHOD`)
 * @param socket the client's connection
 * @see RFC 6585 §5 (431), RFC 9112 §3 (request line), Node's `clientError` event
 */
export function clientErrorHandler(this: FastifyInstance, error: ConnectionError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known = CLIENT_ERRORS[error.code];
  const status = known?.status ?? 400;
  const requestId = randomUUID();
  this.log.debug({ err: error, reqId: requestId }, 'client error');
  if (socket.writable) {
    const body = JSON.stringify(toEnvelope(status, { message: known?.message ?? 'Malformed HTTP request' }, requestId));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
        'content-type: application/json; charset=utf-8\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        `${REQUEST_ID_HEADER}: ${requestId}\r\n` +
        'connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy(error);
}
