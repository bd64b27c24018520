import { Writable } from 'node:stream';
import { loggerOptions, serializeError } from '@basis/service-kit/logging';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import * as schema from '../src/db/schema.js';
import { expectTRPCError } from './support/assertions.js';
import { seedUser } from './support/seed.js';
import { useLoggingServer } from './support/suite.js';

const EMAIL = 'ada.secret@example.com';
const PASSWORD = 'correct horse battery staple';

/** The values a failed query was bound to, or its SQL, must not be in `text`. */
function expectNoBoundValues(text: string): void {
  expect(text).not.toContain('$argon2');
  expect(text).not.toContain(EMAIL);
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toMatch(/insert into|update "users"/i);
}

/** Nor any of the driver fields that carry them. */
function expectNothingLeaked(text: string): void {
  expectNoBoundValues(text);
  expect(text).not.toMatch(/"params"|"parameters"|"query"|"detail"/);
}

/**
 * Tester report: when an insert or update failed on PGlite, `server.ts` logged `rootCause(error)`,
 * and PGlite errors carry enumerable `query` and `params`: the argon2 hash and the email were logged.
 */
describe('a failing insert of ada.secret@example.com on PGlite (argon2 hash in the log, tester report)', () => {
  const suite = useLoggingServer(async (db) => {
    // Every insert into or update of users now fails inside PostgreSQL, after the hash is bound.
    await db.db.execute(`create function refuse_users() returns trigger language plpgsql as $$
      begin raise exception 'users are read-only in this test'; end $$`);
    await db.db.execute(
      'create trigger refuse_users before insert or update on users for each row execute function refuse_users()',
    );
  });

  it('logs the failed create with its SQLSTATE but without the hash, the email or the SQL', async () => {
    const { server, lines } = suite;
    await expectTRPCError(
      server.client().users.create.mutate({ email: EMAIL, password: PASSWORD, firstName: 'Ada' }),
      'INTERNAL_SERVER_ERROR',
    );
    const failure = lines.find((line) => line.msg === 'procedure failed');
    expect(failure).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', err: { code: 'P0001', severity: 'ERROR' } });
    expectNothingLeaked(JSON.stringify(lines));
  });

  it('logs a failed password change without the new hash', async () => {
    const { db, server, lines } = suite;
    await db.db.execute('alter table users disable trigger refuse_users');
    const row = await seedUser(db, { email: EMAIL });
    await db.db.execute('alter table users enable trigger refuse_users');
    const { client } = await server.login({ id: row.id, role: 'user' });
    await expectTRPCError(client.users.updateMe.mutate({ password: 'a brand new password' }), 'INTERNAL_SERVER_ERROR');
    expect(lines.some((line) => line.msg === 'procedure failed')).toBe(true);
    expectNothingLeaked(JSON.stringify(lines));
    expect(JSON.stringify(lines)).not.toContain('a brand new password');
  });
});

describe('serializeError', () => {
  /** A real drizzle error over PGlite: a unique violation, whose driver error has `query`, `params` and `detail`. */
  async function uniqueViolation(): Promise<Error> {
    const client = await PGlite.create('memory://');
    try {
      await client.exec('create table users (email text unique, password_hash text)');
      const db = drizzle({ client, schema: { users: schema.users } });
      await client.query('insert into users values ($1, $2)', [EMAIL, '$argon2id$v=19$first']);
      const failed = await client.query('insert into users values ($1, $2)', [EMAIL, '$argon2id$v=19$second']).then(
        () => undefined,
        (error: unknown) => error,
      );
      // The same failure as drizzle wraps it: its message embeds the SQL and the parameters.
      const wrapped = await db.execute(`insert into users values ('${EMAIL}', '$argon2id$v=19$third')`).then(
        () => undefined,
        (error: unknown) => error,
      );
      return Object.assign(new Error('wrapper', { cause: wrapped }), { driverError: failed }) as Error;
    } finally {
      await client.close();
    }
  }

  it('keeps the SQLSTATE and constraint of a driver error and drops its query, params and detail', async () => {
    const error = await uniqueViolation();
    const driverError = (error as Error & { driverError: Error }).driverError;
    expect(driverError).toHaveProperty('params');
    expect(driverError).toHaveProperty('detail');

    const serialized = serializeError(driverError);
    expect(serialized).toMatchObject({ code: '23505', severity: 'ERROR', table: 'users' });
    expect(serialized.message).toMatch(/duplicate key value violates unique constraint/);
    expect(serialized).not.toHaveProperty('params');
    expect(serialized).not.toHaveProperty('query');
    expect(serialized).not.toHaveProperty('detail');
    expectNothingLeaked(JSON.stringify(serialized));
  });

  it('follows the cause chain and replaces a message that embeds the SQL', async () => {
    const serialized = serializeError(await uniqueViolation());
    const text = JSON.stringify(serialized);
    expectNothingLeaked(text);
    expect(serialized.cause).toMatchObject({ message: 'Failed query (SQL and parameters omitted)' });
    expect(text).toContain('23505');
  });

  it('cuts bound values out of a message that quotes them, and keeps only stack frames', () => {
    const error = Object.assign(new Error(`invalid input syntax: "${EMAIL}"`), { params: [EMAIL], code: '22P02' });
    const serialized = serializeError(error);
    expect(serialized.message).toBe('invalid input syntax: "[redacted]"');
    expect(serialized.stack).toMatch(/^\s+at /);
    expect(serialized.stack).not.toContain(EMAIL);
  });
});

describe('log redaction of driver fields (second line of defense)', () => {
  it('redacts query, params, parameters and detail of errors logged outside the err serializer', () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    });
    const app = Fastify({ logger: { ...(loggerOptions({ LOG_LEVEL: 'info', NODE_ENV: 'test' }) as object), stream } });
    const leaky = { query: 'insert into users', params: [EMAIL, '$argon2id$x'], detail: `Key (email)=(${EMAIL})` };
    app.log.info({ ...leaky, parameters: ['$argon2id$y'] }, 'top level');
    app.log.info({ cause: leaky }, 'as a cause');
    app.log.info({ error: leaky, err: { ...leaky, cause: leaky } }, 'as error and err');
    expect(chunks).toHaveLength(3);
    expectNoBoundValues(chunks.join('\n'));
    const redacted = { query: '[redacted]', params: '[redacted]', detail: '[redacted]' };
    const [top, cause, error] = chunks.map((chunk) => JSON.parse(chunk) as Record<string, unknown>);
    expect(top).toMatchObject({ ...redacted, parameters: '[redacted]' });
    expect(cause).toMatchObject({ cause: redacted });
    expect(error).toMatchObject({ error: redacted, err: { ...redacted, cause: redacted } });
  });
});
