import { isDataException, toTRPCError } from '@basis/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../src/db/client.js';
import { UsersRepository } from '../src/repositories/users.js';
import { type ErrorData, expectNoSecrets, expectTRPCError } from './support/assertions.js';
import { testDrivers } from './support/databases.js';
import { seedUser } from './support/seed.js';
import { startServer, type TestServer } from './support/server.js';
import { useServerOn } from './support/suite.js';

/** The zod issue paths of a BAD_REQUEST, dotted. */
const issuePaths = (error: { data: unknown }) =>
  ((error.data as ErrorData).issues ?? []).map((issue) => issue.path.join('.'));

/** Whatever a promise rejects with (it must reject). */
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the database to refuse the value');
    },
    (error: unknown) => error,
  );

/**
 * Breaker report: inputs that passed validation crashed the database (upstream 500, gateway 502):
 * `GET /users/2147483648` (PostgreSQL integer overflow, SQLSTATE 22003) and NUL (`\u0000`) in
 * firstName/lastName (SQLSTATE 22021). The contracts now refuse them (400 with issues), and any other
 * data exception the database raises maps to BAD_REQUEST 'Invalid value' instead of a 500.
 */
describe.each(testDrivers)(
  'GET /users/2147483648 and NUL (\\u0000) in firstName/lastName (breaker report) on $name',
  (driver) => {
    const suite = useServerOn(driver);

    const admin = async () => {
      const row = await seedUser(suite.database.handle, { email: 'admin@example.com', role: 'admin' });
      return (await suite.server.login({ id: row.id, role: 'admin' })).client;
    };

    it('answers BAD_REQUEST naming the id for 2147483648 on byId, update and delete', async () => {
      const client = await admin();
      for (const call of [
        client.users.byId.query({ id: 2_147_483_648 }),
        client.users.update.mutate({ id: 2_147_483_648, firstName: 'x' }),
        client.users.delete.mutate({ id: 2_147_483_648 }),
      ]) {
        expect(issuePaths(await expectTRPCError(call, 'BAD_REQUEST'))).toEqual(['id']);
      }
      await expectTRPCError(client.users.byId.query({ id: 2_147_483_647 }), 'NOT_FOUND');
    });

    it('answers BAD_REQUEST naming the field for NUL in firstName or lastName, on create and updates', async () => {
      const anonymous = suite.server.client();
      const created = await expectTRPCError(
        anonymous.users.create.mutate({ email: 'ada@example.com', password: 'correct horse', firstName: 'Ada\u0000' }),
        'BAD_REQUEST',
      );
      expect(issuePaths(created)).toEqual(['firstName']);
      const client = await admin();
      const self = await expectTRPCError(client.users.updateMe.mutate({ lastName: '\u0000' }), 'BAD_REQUEST');
      expect(issuePaths(self)).toEqual(['lastName']);
      const other = await expectTRPCError(client.users.update.mutate({ id: 1, firstName: 'A\u0000' }), 'BAD_REQUEST');
      expect(issuePaths(other)).toEqual(['firstName']);
    });

    it('answers BAD_REQUEST naming the email for NUL in it or more than 254 characters', async () => {
      for (const email of ['ada\u0000@example.com', `${'a'.repeat(243)}@example.com`]) {
        const error = await expectTRPCError(
          suite.server.client().users.create.mutate({ email, password: 'correct horse' }),
          'BAD_REQUEST',
        );
        expect(issuePaths(error)).toEqual(['email']);
      }
    });

    it('maps the database’s own data exceptions (22003, 22021) to BAD_REQUEST Invalid value', async () => {
      // Straight through the repository, past the contract: what the backstop catches.
      const users = new UsersRepository(suite.database.handle.db);
      const overflow = await rejection(users.findById(2_147_483_648));
      const nul = await rejection(
        users.create({ email: 'nul@example.com', firstName: 'Ada\u0000', passwordHash: 'not-a-real-hash' }),
      );
      for (const error of [overflow, nul]) {
        expect(isDataException(error)).toBe(true);
        const mapped = toTRPCError(error);
        expect([mapped.code, mapped.message]).toEqual(['BAD_REQUEST', 'Invalid value']);
      }
    });

    it('never sent a stack, SQL or driver text in any response', () => {
      for (const body of suite.server.responses) expectNoSecrets(body);
      expect(suite.server.responses.join('\n')).not.toMatch(/out of range|byte sequence|select|insert into/i);
    });
  },
);

describe('a data exception raised by the database on a call (backstop)', () => {
  let db: DatabaseHandle;
  let server: TestServer;

  beforeAll(async () => {
    db = await openDatabase({ pgliteDataDir: 'memory://' });
    // A value the contract accepts but the database refuses with a class 22 SQLSTATE.
    await db.db.execute(`create function refuse_name() returns trigger language plpgsql as $$
      begin raise exception 'refused name' using errcode = '22023'; end $$`);
    await db.db.execute(
      'create trigger refuse_name before insert on users for each row when (new.first_name = $$Bobby$$) execute function refuse_name()',
    );
    server = await startServer(db);
  });
  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
    await db?.close();
  });

  it('answers 400 BAD_REQUEST Invalid value, without the driver’s message', async () => {
    const error = await expectTRPCError(
      server
        .client()
        .users.create.mutate({ email: 'bobby@example.com', password: 'correct horse', firstName: 'Bobby' }),
      'BAD_REQUEST',
      'Invalid value',
    );
    expect((error.data as ErrorData).httpStatus).toBe(400);
    expect(server.responses.join('\n')).not.toContain('refused name');
  });
});
