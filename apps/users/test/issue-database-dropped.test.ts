import { randomBytes } from 'node:crypto';
import { isConnectionError, toTRPCError } from '@basis/service-kit';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { expectNoSecrets, expectTRPCError } from './support/assertions.js';
import { TEST_DATABASE_URL } from './support/databases.js';
import { startServer } from './support/server.js';

/** A driver error as drizzle wraps it: `DrizzleQueryError` with the driver error as `cause`. */
const wrapped = (cause: object) => Object.assign(new Error('Failed query: select 1'), { cause });

describe('connection failure codes', () => {
  it.each([
    ['3D000', 'invalid_catalog_name (database dropped)'],
    ['08000', 'connection_exception'],
    ['08003', 'connection_does_not_exist'],
    ['08006', 'connection_failure'],
    ['08001', 'sqlclient_unable_to_establish_sqlconnection'],
    ['08004', 'sqlserver_rejected_establishment_of_sqlconnection'],
    ['08P01', 'protocol_violation'],
    ['57P01', 'admin_shutdown'],
    ['57P02', 'crash_shutdown'],
    ['57P03', 'cannot_connect_now'],
    ['CONNECTION_CLOSED', 'postgres.js'],
    ['CONNECTION_ENDED', 'postgres.js'],
    ['CONNECTION_DESTROYED', 'postgres.js'],
    ['CONNECT_TIMEOUT', 'postgres.js'],
  ])('maps %s (%s) to SERVICE_UNAVAILABLE', (code) => {
    expect(isConnectionError(wrapped({ code }))).toBe(true);
    const error = toTRPCError(wrapped({ code }));
    expect([error.code, error.message]).toEqual(['SERVICE_UNAVAILABLE', 'Database unavailable']);
  });

  it.each(['3D001', '0800', '42P01', '57014'])('leaves %s alone', (code) => {
    expect(isConnectionError(wrapped({ code }))).toBe(false);
  });
});

/**
 * Tester report: after `DROP DATABASE … WITH (FORCE)` under a running users service, calls got
 * INTERNAL_SERVER_ERROR (gateway 502) instead of SERVICE_UNAVAILABLE (503): the open connections are
 * terminated (57P01) and every reconnection finds no database (3D000), which was not mapped.
 */
describe.skipIf(!TEST_DATABASE_URL)(
  'DROP DATABASE … WITH (FORCE) under a running users service (tester report)',
  () => {
    it('answers SERVICE_UNAVAILABLE, and /readyz 503, once its database is gone', async () => {
      const adminUrl = TEST_DATABASE_URL ?? '';
      const name = `basis_dropped_${randomBytes(6).toString('hex')}`;
      const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await admin.unsafe(`create database ${name}`);
      try {
        const url = new URL(adminUrl);
        url.pathname = `/${name}`;
        const db = await openDatabase({ databaseUrl: url.toString(), pgliteDataDir: 'memory://', poolSize: 2 });
        try {
          await using server = await startServer(db);
          const created = await server
            .client()
            .users.create.mutate({ email: 'ada@example.com', password: 'pw-12345678' });
          const { client } = await server.login({ id: created.id, role: 'user' });
          expect(await client.users.me.query()).toMatchObject({ id: created.id });

          await admin.unsafe(`drop database ${name} with (force)`);

          // The first calls meet connections the drop terminated, later ones reconnect to no database.
          for (let attempt = 0; attempt < 3; attempt++) {
            await expectTRPCError(
              server.client().users.create.mutate({ email: `b${attempt}@example.com`, password: 'pw-12345678' }),
              'SERVICE_UNAVAILABLE',
              'Database unavailable',
            );
            await expectTRPCError(client.users.me.query(), 'SERVICE_UNAVAILABLE', 'Database unavailable');
          }
          expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
          for (const body of server.responses) expectNoSecrets(body);
          expect(server.responses.join('\n')).not.toContain(name);
        } finally {
          await db.close();
        }
      } finally {
        await admin.unsafe(`drop database if exists ${name} with (force)`);
        await admin.end();
      }
    });
  },
);
