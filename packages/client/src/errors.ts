import { type ErrorCode, ErrorEnvelope } from '@basis/contracts';

/** `code` of a {@link BasisApiError} raised when no HTTP answer arrived (refused, reset, DNS, TLS). */
export const NETWORK_ERROR = 'NETWORK_ERROR';

/** One zod issue as the gateway reports it under `issues` on a 400. */
export type ApiIssue = NonNullable<ErrorEnvelope['issues']>[number];

/** Constructor fields of a {@link BasisApiError}. */
export interface BasisApiErrorInit {
  status: number;
  code: ErrorCode | typeof NETWORK_ERROR;
  message: string;
  requestId?: string | undefined;
  issues?: ApiIssue[] | undefined;
  retryAfter?: number | undefined;
  cause?: unknown;
}

/**
 * The one error every client call rejects with.
 *
 * - An error answer from the gateway: `status` is its HTTP status, `code` the tRPC code name
 *   from the error envelope `{ code, message, issues?, requestId }` (derived from the status
 *   when the body is not an envelope, e.g. an HTML page from a proxy), `requestId` the
 *   envelope's or the `x-request-id` header's, `issues` the zod issues of a 400, and
 *   `retryAfter` the `Retry-After` header in seconds (429, 503).
 * - No answer at all (connection refused or reset, DNS failure): `status` is `0`, `code` is
 *   {@link NETWORK_ERROR} and `cause` holds the underlying error.
 */
export class BasisApiError extends Error {
  override readonly name = 'BasisApiError';
  /** HTTP status, or `0` when no answer arrived. */
  readonly status: number;
  /** tRPC error code name, or {@link NETWORK_ERROR}. */
  readonly code: ErrorCode | typeof NETWORK_ERROR;
  /** The gateway's request id for this call, to quote in a bug report. */
  readonly requestId: string | undefined;
  /** zod issues, on a 400 for invalid input. */
  readonly issues: ApiIssue[] | undefined;
  /** Seconds to wait before retrying, from `Retry-After`. */
  readonly retryAfter: number | undefined;

  constructor(init: BasisApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.issues = init.issues;
    this.retryAfter = init.retryAfter;
  }

  /** A copy of this error with `cause` set, e.g. the refresh failure behind a final 401. */
  withCause(cause: unknown): BasisApiError {
    return new BasisApiError({ ...this, message: this.message, cause });
  }

  /** True when the call never got an HTTP answer. */
  get isNetworkError(): boolean {
    return this.code === NETWORK_ERROR;
  }
}

/**
 * HTTP status → tRPC code name, the inverse of tRPC's table, for error answers that carry no envelope.
 * @see https://trpc.io/docs/server/error-handling#error-codes
 */
const CODE_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_SUPPORTED',
  408: 'TIMEOUT',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_CONTENT',
  429: 'TOO_MANY_REQUESTS',
  499: 'CLIENT_CLOSED_REQUEST',
  500: 'INTERNAL_SERVER_ERROR',
  501: 'NOT_IMPLEMENTED',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

/**
 * Builds the error for a non-2xx answer.
 * @param response the answer (status and headers are read)
 * @param body its parsed body: an error envelope, or anything else (text, `undefined`)
 */
export function errorFromResponse(response: Response, body: unknown): BasisApiError {
  const envelope = ErrorEnvelope.safeParse(body);
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
  const headerRequestId = response.headers.get('x-request-id') ?? undefined;
  if (envelope.success) {
    return new BasisApiError({
      status: response.status,
      code: envelope.data.code,
      message: envelope.data.message,
      requestId: envelope.data.requestId ?? headerRequestId,
      issues: envelope.data.issues,
      retryAfter,
    });
  }
  return new BasisApiError({
    status: response.status,
    code: CODE_BY_STATUS[response.status] ?? (response.status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST'),
    message: `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
    requestId: headerRequestId,
    retryAfter,
  });
}

/**
 * Builds the error for a call that got no HTTP answer.
 * @param cause the transport error (kept as `cause`)
 */
export function networkError(cause: unknown): BasisApiError {
  const reason = cause instanceof Error && cause.cause instanceof Error ? cause.cause.message : String(cause);
  return new BasisApiError({ status: 0, code: NETWORK_ERROR, message: `Network error: ${reason}`, cause });
}

/** `Retry-After` in seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
