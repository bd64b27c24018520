import { TRPCClientError } from '@trpc/client';
import { BrokenCircuitError, TaskCancelledError } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { opensCircuit, toUpstreamFailure } from '../../src/upstream/errors.js';

/** A client error as httpLink builds it for a network failure: the code is at `err.cause.cause.code`. */
function networkError(code: string): TRPCClientError<never> {
  const socket = Object.assign(new Error(`connect ${code}`), { code });
  return TRPCClientError.from(new TypeError('fetch failed', { cause: socket }));
}

function answered(code: string, status: number, message = 'upstream said so'): TRPCClientError<never> {
  return TRPCClientError.from({ error: { code: -32000, message, data: { code, httpStatus: status } } });
}

describe('toUpstreamFailure, the one table', () => {
  it.each(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET'])(
    'maps %s to 503 SERVICE_UNAVAILABLE with Retry-After',
    (code) => {
      const failure = toUpstreamFailure(networkError(code), 'users');
      expect(failure).toMatchObject({ code: 'SERVICE_UNAVAILABLE', outcome: 'unavailable', retryAfterSeconds: 1 });
      expect(failure.message).not.toContain(code);
      expect(opensCircuit(failure)).toBe(true);
    },
  );

  it('finds the code inside an AggregateError (several addresses refused)', () => {
    const aggregate = Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), {});
    const failure = toUpstreamFailure(
      TRPCClientError.from(new TypeError('fetch failed', { cause: aggregate })),
      'users',
    );
    expect(failure.code).toBe('SERVICE_UNAVAILABLE');
  });

  it('maps an HTTP 503 without a tRPC body to 503 SERVICE_UNAVAILABLE with Retry-After', () => {
    const body = { error: 'Service Unavailable', statusCode: 503 };
    const error = TRPCClientError.from(new Error('Unable to transform response from server'), {
      meta: { response: { ok: false, status: 503 }, responseJSON: body },
    });
    const failure = toUpstreamFailure(error, 'users');
    expect(failure).toMatchObject({ code: 'SERVICE_UNAVAILABLE', outcome: 'unavailable', retryAfterSeconds: 1 });
  });

  it('keeps an HTTP 502 or 500 without a tRPC body a 502 BAD_GATEWAY', () => {
    for (const status of [500, 502]) {
      const error = TRPCClientError.from(new Error('Unable to transform response from server'), {
        meta: { response: { ok: false, status } },
      });
      expect(toUpstreamFailure(error, 'users').code).toBe('BAD_GATEWAY');
    }
  });

  it('maps an open circuit to 503 with the seconds until half-open', () => {
    const failure = toUpstreamFailure(new BrokenCircuitError(), 'users', 4);
    expect(failure).toMatchObject({ code: 'SERVICE_UNAVAILABLE', outcome: 'circuit_open', retryAfterSeconds: 4 });
  });

  it('maps a timeout to 504 GATEWAY_TIMEOUT', () => {
    const failure = toUpstreamFailure(new TaskCancelledError('timed out'), 'users');
    expect(failure).toMatchObject({ code: 'GATEWAY_TIMEOUT', outcome: 'timeout' });
    expect(opensCircuit(failure)).toBe(true);
  });

  it('maps an unparsable answer and a wrong shape to 502 BAD_GATEWAY', () => {
    expect(toUpstreamFailure(TRPCClientError.from(new SyntaxError('Unexpected token <')), 'users').code).toBe(
      'BAD_GATEWAY',
    );
    expect(
      toUpstreamFailure(TRPCClientError.from(new Error('Unable to transform response from server')), 'users').code,
    ).toBe('BAD_GATEWAY');
  });

  it('passes a deliberate upstream error through with its code and message, never opening the circuit', () => {
    const failure = toUpstreamFailure(answered('CONFLICT', 409, 'Email already registered'), 'users');
    expect(failure).toMatchObject({ code: 'CONFLICT', message: 'Email already registered', outcome: 'rejected' });
    expect(opensCircuit(failure)).toBe(false);
  });

  it('maps the upstream’s own INTERNAL_SERVER_ERROR to a generic 502', () => {
    const failure = toUpstreamFailure(
      answered('INTERNAL_SERVER_ERROR', 500, 'relation "users" does not exist'),
      'users',
    );
    expect(failure).toMatchObject({ code: 'BAD_GATEWAY', outcome: 'bad_response' });
    expect(failure.message).not.toContain('relation');
  });

  it('maps anything else to a generic 500', () => {
    const failure = toUpstreamFailure(new RangeError('gateway bug'), 'users');
    expect(failure).toMatchObject({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'Internal server error',
      outcome: 'unknown',
    });
  });
});
