import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { isConnectionError, isUniqueViolation, toTRPCError } from './errors.js';

/** A driver error as drizzle wraps it: `DrizzleQueryError` with the driver error as `cause`. */
const wrapped = (cause: object) =>
  Object.assign(new Error('Failed query: insert into "users" … params: secret'), { cause });

describe('toTRPCError', () => {
  it('maps a unique violation, bare or wrapped by drizzle, to CONFLICT', () => {
    expect(isUniqueViolation({ code: '23505' })).toBe(true);
    const error = toTRPCError(wrapped({ code: '23505', message: 'duplicate key value violates unique constraint' }), {
      conflict: 'Email already registered',
    });
    expect([error.code, error.message]).toEqual(['CONFLICT', 'Email already registered']);
    expect(toTRPCError(wrapped({ code: '23505' })).message).toBe('Already exists');
  });

  it('maps refused and closed connections to SERVICE_UNAVAILABLE', () => {
    for (const code of ['ECONNREFUSED', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECT_TIMEOUT', '57P01']) {
      expect(isConnectionError(wrapped({ code }))).toBe(true);
      expect(toTRPCError(wrapped({ code })).code).toBe('SERVICE_UNAVAILABLE');
    }
    const refused = new AggregateError([Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })]);
    expect(toTRPCError(refused).code).toBe('SERVICE_UNAVAILABLE');
  });

  it('maps a data exception (SQLSTATE class 22), bare or wrapped, to BAD_REQUEST Invalid value', () => {
    for (const code of ['22003', '22021', '22P02', '22001']) {
      const error = toTRPCError(wrapped({ code, message: 'value out of range' }));
      expect([error.code, error.message]).toEqual(['BAD_REQUEST', 'Invalid value']);
    }
    expect(toTRPCError(wrapped({ code: '2200' })).code).toBe('INTERNAL_SERVER_ERROR');
    expect(toTRPCError(wrapped({ code: '23502' })).code).toBe('INTERNAL_SERVER_ERROR');
  });

  it('maps anything else to INTERNAL_SERVER_ERROR with a generic message and keeps the cause for the log', () => {
    const cause = wrapped({ code: '42P01', message: 'relation "users" does not exist' });
    const error = toTRPCError(cause);
    expect([error.code, error.message]).toEqual(['INTERNAL_SERVER_ERROR', 'Internal server error']);
    expect(error.cause).toBe(cause);
  });

  it('passes a TRPCError through unchanged', () => {
    const error = new TRPCError({ code: 'NOT_FOUND', message: 'User not found' });
    expect(toTRPCError(error)).toBe(error);
  });
});
