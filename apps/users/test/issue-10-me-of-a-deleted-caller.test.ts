import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { users } from '../src/db/schema.js';
import { SESSION_REVOKED } from '../src/trpc.js';
import { expectTRPCError } from './support/assertions.js';
import { testDrivers } from './support/databases.js';
import { seedUser } from './support/seed.js';
import { useServerOn } from './support/suite.js';

/**
 * Issue 10 item 17 (the generated-request suite, seed 897997773, request #1661): an admin's
 * `PATCH /api/v1/users/me` answered 404 "User not found", a status `/users/me` does not document,
 * because a concurrent `DELETE /api/v1/users/1` had removed the admin's own row after the call's
 * session was checked. The same happens when the row goes elsewhere while this process still
 * reuses the session's answer (a minute here, to make the window certain): either way the caller's
 * session is over, and `me` and `updateMe` say so with UNAUTHORIZED, as the next call would.
 */
describe.each(testDrivers)('users.me and users.updateMe once the caller’s own row is gone, on $name', (driver) => {
  const suite = useServerOn(driver, { actorCacheTtlMs: 60_000 });

  it('answer UNAUTHORIZED (session over), never NOT_FOUND', async () => {
    const row = await seedUser(suite.database.handle, { email: 'gone@example.com' });
    const { client } = await suite.server.login({ id: row.id, role: 'user' });
    expect(await client.users.me.query()).toMatchObject({ id: row.id });
    await suite.database.handle.db.delete(users).where(eq(users.id, row.id));
    await expectTRPCError(client.users.me.query(), 'UNAUTHORIZED', SESSION_REVOKED);
    await expectTRPCError(client.users.updateMe.mutate({ firstName: 'Still here?' }), 'UNAUTHORIZED', SESSION_REVOKED);
  });
});
