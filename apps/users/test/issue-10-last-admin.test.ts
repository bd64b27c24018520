import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { users } from '../src/db/schema.js';
import { LAST_ADMIN } from '../src/errors.js';
import { expectTRPCError } from './support/assertions.js';
import { testDrivers } from './support/databases.js';
import { seedUser } from './support/seed.js';
import { useServerOn } from './support/suite.js';

/** Issue 10 item 12: an admin could demote or deactivate the last active admin and lock everyone out. */
describe.each(testDrivers)('issue 10.12: the last active admin stays, on $name', (driver) => {
  const suite = useServerOn(driver);

  const adminClient = async (email: string) => {
    const row = await seedUser(suite.database.handle, { email, role: 'admin' });
    const { client } = await suite.server.login({ id: row.id, role: 'admin' });
    return { row, client };
  };

  it('answers CONFLICT naming the rule to demoting, deactivating or deleting the last active admin', async () => {
    const { row, client } = await adminClient('root@example.com');
    for (const change of [{ role: 'user' as const }, { isActive: false }]) {
      const error = await expectTRPCError(client.users.update.mutate({ id: row.id, ...change }), 'CONFLICT');
      expect(error.message).toBe(LAST_ADMIN);
    }
    const error = await expectTRPCError(client.users.delete.mutate({ id: row.id }), 'CONFLICT');
    expect(error.message).toBe(LAST_ADMIN);
    expect(await client.users.byId.query({ id: row.id })).toMatchObject({ role: 'admin', isActive: true });
  });

  it('still lets one of two admins demote the other, and then refuses the last one', async () => {
    const first = await adminClient('first@example.com');
    const second = await adminClient('second@example.com');
    await first.client.users.update.mutate({ id: second.row.id, role: 'user' });
    await expectTRPCError(first.client.users.update.mutate({ id: first.row.id, isActive: false }), 'CONFLICT');
  });

  it.each([
    { change: { role: 'user' as const }, name: 'demote' },
    { change: { isActive: false }, name: 'deactivate' },
  ])('leaves exactly one active admin when two admins $name each other concurrently', async ({ change }) => {
    const first = await adminClient('first@example.com');
    const second = await adminClient('second@example.com');
    const results = await Promise.allSettled([
      first.client.users.update.mutate({ id: second.row.id, ...change }),
      second.client.users.update.mutate({ id: first.row.id, ...change }),
    ]);
    // The loser was either refused as the last admin or, demoted first, lost its session (401).
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const admins = await suite.database.handle.db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.role, 'admin'), eq(users.isActive, true)));
    expect(admins).toHaveLength(1);
  });
});
