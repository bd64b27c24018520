import { describe, expect, it } from 'vitest';
import { toEnvelope } from '../../src/http/error-envelope.js';

describe('toEnvelope', () => {
  it('keeps a tRPC code, the message and the issues, and adds the request id', () => {
    const issues = [{ path: ['email'], message: 'Invalid email address', code: 'invalid_format', input: 'secret' }];
    expect(
      toEnvelope(400, { code: 'BAD_REQUEST', message: 'Input validation failed', issues, data: { stack: 'x' } }, 'r1'),
    ).toEqual({
      code: 'BAD_REQUEST',
      message: 'Input validation failed',
      issues: [{ path: ['email'], message: 'Invalid email address', code: 'invalid_format' }],
      requestId: 'r1',
    });
  });

  it('derives the code from the status when the body has none, or a foreign one', () => {
    expect(toEnvelope(404, undefined, 'r').code).toBe('NOT_FOUND');
    expect(toEnvelope(429, { code: 'FST_ERR_RATE', message: 'slow down' }, 'r')).toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      message: 'slow down',
    });
    expect(toEnvelope(418, {}, 'r').code).toBe('BAD_REQUEST');
    expect(toEnvelope(599, {}, 'r').code).toBe('INTERNAL_SERVER_ERROR');
  });

  it('never lets an internal error’s message through', () => {
    expect(
      toEnvelope(500, { code: 'INTERNAL_SERVER_ERROR', message: 'connect ECONNREFUSED 10.0.0.3:5432' }, 'r'),
    ).toEqual({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'Internal server error',
      requestId: 'r',
    });
  });
});
