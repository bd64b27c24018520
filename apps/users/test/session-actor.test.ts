import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { users } from '../src/db/schema.js';
import { testDrivers } from './support/databases.js';
import { seedUser } from './support/seed.js';
import { useServerOn } from './support/suite.js';

/** `internal.sessionActor`: what the gateway asks before every protected route of every service. */
describe.each(testDrivers)('internal.sessionActor on $name', (driver) => {
  const suite = useServerOn(driver);

  it('returns the live actor with the current role, and null once the session is logged out', async () => {
    const row = await seedUser(suite.database.handle, { email: 'ada@example.com', role: 'user' });
    const { sessionId } = await suite.server.login({ id: row.id, role: 'user' });
    const gateway = suite.server.client();
    expect(await gateway.internal.sessionActor.query({ sessionId, userId: row.id })).toEqual({
      id: row.id,
      role: 'user',
      sessionId,
    });
    await suite.database.handle.db.update(users).set({ role: 'admin' }).where(eq(users.id, row.id));
    expect(await gateway.internal.sessionActor.query({ sessionId, userId: row.id })).toMatchObject({ role: 'admin' });
    await gateway.internal.revokeUserSessions.mutate({ userId: row.id });
    expect(await gateway.internal.sessionActor.query({ sessionId, userId: row.id })).toBeNull();
  });

  it('returns null for another user’s session, a deactivated user and a malformed id', async () => {
    const ada = await seedUser(suite.database.handle, { email: 'ada@example.com' });
    const bob = await seedUser(suite.database.handle, { email: 'bob@example.com' });
    const { sessionId } = await suite.server.login({ id: ada.id, role: 'user' });
    const gateway = suite.server.client();
    expect(await gateway.internal.sessionActor.query({ sessionId, userId: bob.id })).toBeNull();
    expect(await gateway.internal.sessionActor.query({ sessionId: 'not-a-uuid', userId: ada.id })).toBeNull();
    await suite.database.handle.db.update(users).set({ isActive: false }).where(eq(users.id, ada.id));
    expect(await gateway.internal.sessionActor.query({ sessionId, userId: ada.id })).toBeNull();
  });
});
