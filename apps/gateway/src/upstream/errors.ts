import { ErrorCode, SERVICE_TOKEN_REJECTED } from '@basis/contracts';
import { TRPCClientError } from '@trpc/client';
import { TRPCError } from '@trpc/server';
import { isBrokenCircuitError, TaskCancelledError } from 'cockatiel';

/**
 * What happened to one upstream call, as counted in metrics:
 * - `ok`: a result;
 * - `unavailable`: refused, reset, DNS failure or closed socket;
 * - `circuit_open`: not attempted because the circuit breaker is open;
 * - `timeout`: no answer within `UPSTREAM_TIMEOUT_MS`;
 * - `bad_response`: an answer that is not a valid tRPC response, or the upstream's own internal error;
 * - `rejected`: an error the upstream raised on purpose (404, 409, …);
 * - `unknown`: anything else (a gateway bug).
 */
export type UpstreamOutcome =
  | 'ok'
  | 'unavailable'
  | 'circuit_open'
  | 'timeout'
  | 'bad_response'
  | 'rejected'
  | 'unknown';

/** Seconds a client is told to wait (`Retry-After`) when an upstream is unreachable. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 1;

/** Socket-level error codes (Node and undici) that mean "the upstream cannot be reached". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * The gateway's error for a failed upstream call: a {@link TRPCError} (so both adapters
 * render it with its code's status) that also carries the outcome and, for 503, `Retry-After`.
 * Its `name` stays `TRPCError`, which trpc-to-openapi relies on to keep the code.
 */
export class UpstreamFailure extends TRPCError {
  readonly outcome: Exclude<UpstreamOutcome, 'ok'>;
  readonly retryAfterSeconds: number | undefined;

  constructor(opts: {
    code: ErrorCode;
    message: string;
    outcome: Exclude<UpstreamOutcome, 'ok'>;
    retryAfterSeconds?: number;
    cause: unknown;
  }) {
    super({ code: opts.code, message: opts.message, cause: opts.cause });
    this.outcome = opts.outcome;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

/** Every error in a `cause` chain, including the members of an `AggregateError` (undici's happy-eyeballs). */
function* causeChain(error: unknown, depth = 0): Generator<unknown> {
  if (error === undefined || error === null || depth > 8) return;
  yield error;
  if (error instanceof AggregateError) for (const inner of error.errors) yield* causeChain(inner, depth + 1);
  if (error instanceof Error) yield* causeChain(error.cause, depth + 1);
}

function errorCodeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

/**
 * The code of a well-formed error answer the upstream raised on purpose, or `undefined`. A refusal
 * of the gateway's own service credential is not one: that is the gateway's fault, not the caller's.
 */
function upstreamCode(error: TRPCClientError<never>): ErrorCode | undefined {
  const shape: unknown = error.shape;
  if (typeof shape !== 'object' || shape === null || typeof (shape as { code?: unknown }).code !== 'number') return;
  const data = error.data as { code?: unknown; reason?: unknown } | undefined;
  if (data?.reason === SERVICE_TOKEN_REJECTED) return;
  const parsed = ErrorCode.safeParse(data?.code);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The HTTP status of the upstream's answer, when one arrived: tRPC's `httpLink` keeps the
 * response of its `fetch` (upstream/fetch.ts: `{ ok, status, json }`) on the error's `meta`.
 */
function answeredStatus(error: TRPCClientError<never>): number | undefined {
  const meta: unknown = error.meta;
  const response = typeof meta === 'object' && meta !== null ? (meta as { response?: unknown }).response : undefined;
  const status =
    typeof response === 'object' && response !== null ? (response as { status?: unknown }).status : undefined;
  return typeof status === 'number' ? status : undefined;
}

/** 503 SERVICE_UNAVAILABLE with `Retry-After`: the upstream is down, closing, or its circuit is open. */
function unavailable(
  service: string,
  cause: unknown,
  outcome: 'unavailable' | 'circuit_open' = 'unavailable',
  retryAfterSeconds = UNAVAILABLE_RETRY_AFTER_SECONDS,
): UpstreamFailure {
  return new UpstreamFailure({
    code: 'SERVICE_UNAVAILABLE',
    message: `The ${service} service is unavailable`,
    outcome,
    retryAfterSeconds,
    cause,
  });
}

/** 504 GATEWAY_TIMEOUT: no answer within `UPSTREAM_TIMEOUT_MS`. */
function timedOut(service: string, cause: unknown): UpstreamFailure {
  return new UpstreamFailure({
    code: 'GATEWAY_TIMEOUT',
    message: `The ${service} service did not answer in time`,
    outcome: 'timeout',
    cause,
  });
}

/**
 * THE table from an upstream call's failure to the gateway's answer:
 *
 * | cause | code (status) |
 * | --- | --- |
 * | refused, reset, DNS failure, socket closed (`err.cause.cause.code` on a tRPC client error) | SERVICE_UNAVAILABLE (503) + Retry-After |
 * | circuit breaker open | SERVICE_UNAVAILABLE (503) + Retry-After (seconds until half-open) |
 * | an HTTP 503 answer without a tRPC body (e.g. Fastify's while the upstream closes, in a rolling restart) | SERVICE_UNAVAILABLE (503) + Retry-After |
 * | no answer within the timeout | GATEWAY_TIMEOUT (504) |
 * | not a tRPC response (HTML, empty, wrong shape), the upstream's own INTERNAL_SERVER_ERROR, or its refusal of the gateway's service credential | BAD_GATEWAY (502), generic message |
 * | an error the upstream raised on purpose | the same code and status, with its message |
 * | anything else | INTERNAL_SERVER_ERROR (500), generic message |
 *
 * @param error what the call threw (a `TRPCClientError`, a cockatiel error, or anything)
 * @param service the upstream's name, used in messages (e.g. `users`)
 * @param retryAfterSeconds for an open circuit, seconds until it half-opens
 * @returns the error to throw from the procedure; the original is kept as `cause` for logs only
 * @see RFC 9110 §15.6.4 (503: the server is temporarily unable to handle the request)
 */
export function toUpstreamFailure(error: unknown, service: string, retryAfterSeconds?: number): UpstreamFailure {
  if (isBrokenCircuitError(error)) {
    return unavailable(
      service,
      error,
      'circuit_open',
      Math.max(1, retryAfterSeconds ?? UNAVAILABLE_RETRY_AFTER_SECONDS),
    );
  }
  // Not cockatiel's isTaskCancelledError: in 3.2.1 it tests for the bulkhead flag instead.
  if (error instanceof TaskCancelledError) {
    return timedOut(service, error);
  }
  if (error instanceof TRPCClientError) {
    const code = upstreamCode(error);
    if (code !== undefined && code !== 'INTERNAL_SERVER_ERROR') {
      return new UpstreamFailure({
        code,
        message: error.message,
        outcome: 'rejected',
        ...(code === 'SERVICE_UNAVAILABLE' ? { retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS } : {}),
        cause: error,
      });
    }
    if (code === undefined && answeredStatus(error) === 503) {
      // The upstream said it is unavailable (overloaded, or closing), just not in tRPC's words.
      return unavailable(service, error);
    }
    if (code === undefined) {
      for (const link of causeChain(error.cause)) {
        const errno = errorCodeOf(link);
        if (typeof errno === 'string' && UNREACHABLE_CODES.has(errno)) {
          return unavailable(service, error);
        }
        if (link instanceof Error && (link.name === 'TimeoutError' || link.name === 'AbortError')) {
          return timedOut(service, error);
        }
      }
    }
    return new UpstreamFailure({
      code: 'BAD_GATEWAY',
      message: `The ${service} service gave an invalid response`,
      outcome: 'bad_response',
      cause: error,
    });
  }
  return new UpstreamFailure({
    code: 'INTERNAL_SERVER_ERROR',
    message: 'Internal server error',
    outcome: 'unknown',
    cause: error,
  });
}

/** Whether a failure counts against the circuit breaker: the upstream is down or too slow (503/504 kinds). */
export function opensCircuit(failure: UpstreamFailure): boolean {
  return failure.outcome === 'unavailable' || failure.outcome === 'timeout';
}

/**
 * Whether a failure is an outage of the upstream (down, circuit open, too slow, or answering garbage),
 * for which a cache may serve a stale answer rather than none. A refusal the service meant (404, 403,
 * 409, …: outcome `rejected`) is never an outage: it is the answer.
 */
export function isOutage(failure: UpstreamFailure): boolean {
  return (
    failure.outcome === 'unavailable' ||
    failure.outcome === 'circuit_open' ||
    failure.outcome === 'timeout' ||
    failure.outcome === 'bad_response'
  );
}
