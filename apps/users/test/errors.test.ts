import { randomUUID } from 'node:crypto';
import { isConnectionError, isUniqueViolation, toTRPCError } from '@basis/service-kit';
import { PGlite } from '@electric-sql/pglite';
import { TRPCError } from '@trpc/server';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/db/client.js';
import * as schema from '../src/db/schema.js';
import { expectNoSecrets, expectTRPCError } from './support/assertions.js';
import { startServer } from './support/server.js';

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

describe('database failures seen by a caller', () => {
  it('answers SERVICE_UNAVAILABLE, and /readyz 503, when PostgreSQL refuses connections', async () => {
    // Port 1 on loopback: nothing listens, so every query is refused.
    const client = postgres('postgres://postgres@127.0.0.1:1/none', { max: 1, connect_timeout: 2, onnotice: () => {} });
    const db = drizzlePostgres({ client, schema });
    const handle: DatabaseHandle = {
      db,
      driver: 'postgres',
      ping: async () => {
        await client`select 1`;
      },
      close: () => client.end({ timeout: 1 }),
    };
    await using server = await startServer(handle);
    const error = await expectTRPCError(
      server.client().users.create.mutate({ email: 'ada@example.com', password: 'correct horse' }),
      'SERVICE_UNAVAILABLE',
      'Database unavailable',
    );
    expect((error.data as { httpStatus?: number }).httpStatus).toBe(503);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    for (const body of server.responses) expectNoSecrets(body);
    expect(server.responses.join('\n')).not.toMatch(/ECONNREFUSED|127\.0\.0\.1:1/);
    await handle.close();
  });

  it('answers INTERNAL_SERVER_ERROR with a generic message, no SQL and no stack, on an unexpected failure', async () => {
    // A database without the migrations: every query fails with "relation does not exist".
    const client = await PGlite.create('memory://');
    const handle: DatabaseHandle = {
      db: drizzlePglite({ client, schema }),
      driver: 'pglite',
      ping: async () => {},
      close: () => client.close(),
    };
    await using server = await startServer(handle);
    await expectTRPCError(
      server.client().users.create.mutate({ email: 'ada@example.com', password: 'correct horse' }),
      'INTERNAL_SERVER_ERROR',
      'Internal server error',
    );
    await expectTRPCError(
      server.client({ id: 1, role: 'user', sessionId: randomUUID() }).users.me.query(),
      'INTERNAL_SERVER_ERROR',
    );
    const bodies = server.responses.join('\n');
    expect(bodies).not.toMatch(/relation|insert into|select|does not exist/i);
    for (const body of server.responses) expectNoSecrets(body);
    await handle.close();
  });
});
