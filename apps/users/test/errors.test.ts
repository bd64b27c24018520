import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../src/db/client.js';
import * as schema from '../src/db/schema.js';
import { expectNoSecrets, expectTRPCError } from './support/assertions.js';
import { startServer } from './support/server.js';

describe('database failures seen by a caller', () => {
  it('answers SERVICE_UNAVAILABLE, and /readyz 503, when PostgreSQL refuses connections', async () => {
    // Port 1 on loopback: nothing listens, so every query is refused.
    const client = postgres('postgres://postgres@127.0.0.1:1/none', { max: 1, connect_timeout: 2, onnotice: () => {} });
    const db = drizzlePostgres({ client, schema });
    const handle: DatabaseHandle = {
      db,
      driver: 'postgres',
      poolSize: 1,
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
      poolSize: 1,
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
