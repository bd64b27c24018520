import { User, UserPage } from '@basis/contracts';
import { describe, expect, it } from 'vitest';
import { expectNoSecrets, expectTRPCError } from './support/assertions.js';
import { testDrivers } from './support/databases.js';
import { seedUser } from './support/seed.js';
import { useServerOn } from './support/suite.js';

describe.each(testDrivers)('users procedures on $name', (driver) => {
  const suite = useServerOn(driver);

  const admin = async () => {
    const row = await seedUser(suite.database.handle, { email: 'admin@example.com', role: 'admin' });
    return { row, ...(await suite.server.login({ id: row.id, role: 'admin' })) };
  };
  const member = async (email = 'ada@example.com') => {
    const row = await seedUser(suite.database.handle, { email });
    return { row, ...(await suite.server.login({ id: row.id, role: 'user' })) };
  };

  describe('create', () => {
    it('creates a user with a trimmed, lower-cased email and returns the public User shape', async () => {
      const user = await suite.server
        .client()
        .users.create.mutate({ email: '  Ada@Example.COM ', password: 'correct horse', firstName: 'Ada' });
      expect(User.parse(user)).toEqual(user);
      expect(user).toMatchObject({ email: 'ada@example.com', firstName: 'Ada', lastName: null, role: 'user' });
      expect(user.isActive).toBe(true);
      expect(Object.keys(user).sort()).toEqual(
        ['createdAt', 'email', 'firstName', 'id', 'isActive', 'lastName', 'role', 'updatedAt'].sort(),
      );
    });

    it('rejects an invalid email and a short password with BAD_REQUEST and the zod issues', async () => {
      const error = await expectTRPCError(
        suite.server.client().users.create.mutate({ email: 'not-an-email', password: 'short' }),
        'BAD_REQUEST',
      );
      const paths = (error.data as { issues?: { path: string[] }[] }).issues?.map((issue) => issue.path.join('.'));
      expect(paths).toEqual(expect.arrayContaining(['email', 'password']));
    });

    it('rejects a password longer than 128 characters with BAD_REQUEST', async () => {
      await expectTRPCError(
        suite.server.client().users.create.mutate({ email: 'long@example.com', password: 'x'.repeat(129) }),
        'BAD_REQUEST',
      );
    });

    it('rejects the same email in another case or with surrounding spaces with CONFLICT', async () => {
      await member('grace@example.com');
      for (const email of ['GRACE@example.com', '  grace@example.com  ', ' Grace@Example.Com']) {
        await expectTRPCError(
          suite.server.client().users.create.mutate({ email, password: 'correct horse' }),
          'CONFLICT',
          'Email already registered',
        );
      }
    });

    it('gives exactly one success and 49 CONFLICT for 50 concurrent creates of one email', async () => {
      const client = suite.server.client();
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) =>
          client.users.create.mutate({
            email: i % 2 ? 'race@example.com' : ' RACE@example.com',
            password: 'pw-12345678',
          }),
        ),
      );
      const fulfilled = results.filter((result) => result.status === 'fulfilled');
      const conflicts = results.filter(
        (result) =>
          result.status === 'rejected' && (result.reason as { data?: { code?: string } }).data?.code === 'CONFLICT',
      );
      const others = results
        .filter((result) => result.status === 'rejected' && !conflicts.includes(result))
        .map((result) => String((result as PromiseRejectedResult).reason));
      expect(fulfilled, `other answers: ${others.join(' | ')}`).toHaveLength(1);
      expect(conflicts, `other answers: ${others.join(' | ')}`).toHaveLength(49);
      const page = await (await admin()).client.users.list.query({});
      expect(page.items.filter((user) => user.email === 'race@example.com')).toHaveLength(1);
    });
  });

  describe('list', () => {
    it('lists users ordered by id with the total, limit and offset', async () => {
      const rows = [];
      for (const email of ['a@example.com', 'b@example.com', 'c@example.com']) {
        rows.push(await seedUser(suite.database.handle, { email }));
      }
      const { client } = await suite.server.login({ id: rows[0]?.id ?? 0, role: 'user' });
      const page = await client.users.list.query({ limit: 2, offset: 1 });
      expect(UserPage.parse(page)).toEqual(page);
      expect(page).toMatchObject({ total: 3, limit: 2, offset: 1 });
      expect(page.items.map((user) => user.email)).toEqual(['b@example.com', 'c@example.com']);
    });

    it('defaults to limit 50 and offset 0', async () => {
      const { client } = await member();
      expect(await client.users.list.query({})).toMatchObject({ total: 1, limit: 50, offset: 0 });
    });

    it('rejects a limit outside 1..100 or a negative offset with BAD_REQUEST', async () => {
      const { client } = await member();
      await expectTRPCError(client.users.list.query({ limit: 0 }), 'BAD_REQUEST');
      await expectTRPCError(client.users.list.query({ limit: 101 }), 'BAD_REQUEST');
      await expectTRPCError(client.users.list.query({ offset: -1 }), 'BAD_REQUEST');
    });

    it('refuses a call that acts for no user with UNAUTHORIZED', async () => {
      await expectTRPCError(suite.server.client().users.list.query({}), 'UNAUTHORIZED');
    });
  });

  describe('me', () => {
    it('returns the acting user', async () => {
      const { row, client } = await member();
      expect(await client.users.me.query()).toMatchObject({ id: row.id, email: 'ada@example.com' });
    });

    it('answers UNAUTHORIZED when the acting user no longer exists', async () => {
      const { client } = await member();
      await suite.database.handle.db.execute('delete from users');
      await expectTRPCError(client.users.me.query(), 'UNAUTHORIZED', 'Session expired or revoked');
    });

    it('refuses a call that acts for no user with UNAUTHORIZED', async () => {
      await expectTRPCError(suite.server.client().users.me.query(), 'UNAUTHORIZED');
    });
  });

  describe('updateMe', () => {
    it('updates the acting user’s own fields and normalises a new email', async () => {
      const { row, client } = await member();
      const updated = await client.users.updateMe.mutate({ email: ' Ada.L@Example.com', firstName: 'Augusta' });
      expect(updated).toMatchObject({ id: row.id, email: 'ada.l@example.com', firstName: 'Augusta' });
      expect(Date.parse(updated.updatedAt)).toBeGreaterThanOrEqual(Date.parse(updated.createdAt));
      expect(await client.users.updateMe.mutate({ firstName: null })).toMatchObject({ firstName: null });
    });

    it('rejects an email another user has with CONFLICT', async () => {
      await member('taken@example.com');
      const { client } = await member();
      await expectTRPCError(client.users.updateMe.mutate({ email: 'TAKEN@example.com' }), 'CONFLICT');
    });

    it('rejects a short password with BAD_REQUEST and ignores self-promotion fields', async () => {
      const { client } = await member();
      await expectTRPCError(client.users.updateMe.mutate({ password: 'short' }), 'BAD_REQUEST');
      const input = { firstName: 'Eve', role: 'admin' } as { firstName: string };
      expect(await client.users.updateMe.mutate(input)).toMatchObject({ firstName: 'Eve', role: 'user' });
    });

    it('refuses a call that acts for no user with UNAUTHORIZED', async () => {
      await expectTRPCError(suite.server.client().users.updateMe.mutate({ firstName: 'x' }), 'UNAUTHORIZED');
    });
  });

  describe('byId', () => {
    it('returns a user by id', async () => {
      const { row, client } = await member();
      expect(await client.users.byId.query({ id: row.id })).toMatchObject({ id: row.id, email: row.email });
    });

    it('answers NOT_FOUND for an unknown id and BAD_REQUEST for an id that is not a positive integer', async () => {
      const { client } = await member();
      await expectTRPCError(client.users.byId.query({ id: 424242 }), 'NOT_FOUND', 'User not found');
      await expectTRPCError(client.users.byId.query({ id: 0 }), 'BAD_REQUEST');
      await expectTRPCError(client.users.byId.query({ id: 1.5 }), 'BAD_REQUEST');
    });
  });

  describe('update (admin)', () => {
    it('lets an admin change any field, including isActive and role', async () => {
      const { client } = await admin();
      const { row } = await member();
      const updated = await client.users.update.mutate({
        id: row.id,
        email: 'ADA2@example.com',
        lastName: 'Lovelace',
        isActive: false,
        role: 'admin',
      });
      expect(updated).toMatchObject({
        id: row.id,
        email: 'ada2@example.com',
        lastName: 'Lovelace',
        isActive: false,
        role: 'admin',
      });
    });

    it('refuses a non-admin with FORBIDDEN, even on their own account', async () => {
      const { row, client } = await member();
      await expectTRPCError(client.users.update.mutate({ id: row.id, role: 'admin' }), 'FORBIDDEN');
      expect((await client.users.me.query()).role).toBe('user');
    });

    it('answers NOT_FOUND for an unknown id and CONFLICT for a taken email', async () => {
      const { client } = await admin();
      const { row } = await member();
      await expectTRPCError(client.users.update.mutate({ id: 424242, firstName: 'x' }), 'NOT_FOUND');
      await expectTRPCError(client.users.update.mutate({ id: row.id, email: 'admin@example.com' }), 'CONFLICT');
    });
  });

  describe('delete', () => {
    it('lets a user delete themself', async () => {
      const { row, client } = await member();
      await expect(client.users.delete.mutate({ id: row.id })).resolves.toBeUndefined();
      await expectTRPCError(client.users.me.query(), 'UNAUTHORIZED');
    });

    it('lets an admin delete anyone', async () => {
      const { client } = await admin();
      const { row } = await member();
      await client.users.delete.mutate({ id: row.id });
      await expectTRPCError(client.users.byId.query({ id: row.id }), 'NOT_FOUND');
    });

    it('refuses deleting another user with FORBIDDEN and an unknown one with NOT_FOUND', async () => {
      const other = await member('other@example.com');
      const { client } = await member();
      await expectTRPCError(client.users.delete.mutate({ id: other.row.id }), 'FORBIDDEN');
      const { client: adminClient } = await admin();
      await expectTRPCError(adminClient.users.delete.mutate({ id: 424242 }), 'NOT_FOUND');
    });

    it('refuses a call that acts for no user with UNAUTHORIZED', async () => {
      await expectTRPCError(suite.server.client().users.delete.mutate({ id: 1 }), 'UNAUTHORIZED');
    });
  });

  // Runs last in this block: it inspects every body the server sent during the tests above.
  it('never sent a password hash, an argon2 string or a stack trace in any response', () => {
    expect(suite.server.responses.length).toBeGreaterThan(20);
    for (const body of suite.server.responses) expectNoSecrets(body);
  });
});
