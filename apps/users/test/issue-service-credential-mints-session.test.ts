import { count } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { sessions } from '../src/db/schema.js';
import { expectTRPCError } from './support/assertions.js';
import { testDrivers } from './support/databases.js';
import { seedUser } from './support/seed.js';
import { useServerOn } from './support/suite.js';

/**
 * Issue 9: holding the one shared service secret, a call to users' `internal.createSession` for
 * user 1 returned a refresh token, and `/auth/refresh` then gave an admin access token. Now posts has
 * its own key, and users' credential and session procedures answer the gateway alone.
 */
describe.each(testDrivers)('a posts credential calling users createSession on $name (issue 9)', (driver) => {
  const suite = useServerOn(driver);
  const asPosts = () => suite.server.client(null, { issuer: 'posts' });

  it('is refused with 403 FORBIDDEN naming the caller, and opens no session', async () => {
    const admin = await seedUser(suite.database.handle, { email: 'admin@example.com', role: 'admin' });
    const error = await expectTRPCError(
      asPosts().internal.createSession.mutate({ userId: admin.id, ttlSeconds: 3600 }),
      'FORBIDDEN',
      'Caller "posts" may not call internal.createSession',
    );
    expect(error.data).toMatchObject({ httpStatus: 403, reason: 'CALLER_NOT_ALLOWED' });
    const [opened] = await suite.database.handle.db.select({ n: count() }).from(sessions);
    expect(opened?.n).toBe(0);
  });

  it.each([
    [
      'verifyCredentials',
      (c: ReturnType<typeof asPosts>) =>
        c.internal.verifyCredentials.mutate({ email: 'admin@example.com', password: 'x'.repeat(12) }),
    ],
    [
      'rotateSession',
      (c: ReturnType<typeof asPosts>) => c.internal.rotateSession.mutate({ refreshToken: 'x', ttlSeconds: 60 }),
    ],
    ['revokeSession', (c: ReturnType<typeof asPosts>) => c.internal.revokeSession.mutate({ refreshToken: 'x' })],
    ['revokeUserSessions', (c: ReturnType<typeof asPosts>) => c.internal.revokeUserSessions.mutate({ userId: 1 })],
    ['sessionActor', (c: ReturnType<typeof asPosts>) => c.internal.sessionActor.query({ sessionId: 's', userId: 1 })],
    ['users.list', (c: ReturnType<typeof asPosts>) => c.users.list.query({})],
  ])('refuses posts on %s with 403 too', async (_, call) => {
    await expectTRPCError(call(asPosts()), 'FORBIDDEN');
  });

  it('still serves the gateway', async () => {
    const user = await seedUser(suite.database.handle, { email: 'ada@example.com' });
    const issued = await suite.server.client().internal.createSession.mutate({ userId: user.id, ttlSeconds: 60 });
    expect(issued.user.id).toBe(user.id);
  });

  it('lets posts, and only posts, read the event feed', async () => {
    await expect(asPosts().events.feed.query({ after: 0 })).resolves.toEqual({ events: [] });
    await expectTRPCError(suite.server.client().events.feed.query({ after: 0 }), 'FORBIDDEN');
  });
});
