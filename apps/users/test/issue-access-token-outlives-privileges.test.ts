import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessions, users } from '../src/db/schema.js';
import { SessionsRepository } from '../src/repositories/sessions.js';
import { expectTRPCError } from './support/assertions.js';
import { testDrivers } from './support/databases.js';
import { SEED_PASSWORD, seedUser } from './support/seed.js';
import { useServerOn } from './support/suite.js';

const REVOKED = 'Session expired or revoked';

/**
 * Tester report: a demoted and deactivated admin could still `PATCH /users/{own id}
 * {"role":"admin","isActive":true}` with their old access token and get 200, because both the gateway
 * and the users service trusted the role in the token and nothing checked the session. The users
 * service now resolves the actor from the live session and the user row on every call.
 */
describe.each(testDrivers)(
  'PATCH /users/{own id} {"role":"admin","isActive":true} with a demoted, deactivated admin’s old token (tester report) on $name',
  (driver) => {
    const suite = useServerOn(driver);
    afterEach(() => {
      vi.restoreAllMocks();
    });

    /** A logged-in user: their row and a client whose tokens claim `role` and carry their live session. */
    const loggedIn = async (email: string, role: 'user' | 'admin' = 'user') => {
      const row = await seedUser(suite.database.handle, { email, role });
      return { row, ...(await suite.server.login({ id: row.id, role })) };
    };
    /** Changes a user's row behind the service's back, as a direct database change would (no session revoked). */
    const setUser = (id: number, changes: { role?: 'user' | 'admin'; isActive?: boolean }) =>
      suite.database.handle.db.update(users).set(changes).where(eq(users.id, id));
    const currentRow = async (id: number) =>
      (await suite.database.handle.db.select().from(users).where(eq(users.id, id)))[0];

    it('refuses the reported call with UNAUTHORIZED once another admin has demoted and deactivated them', async () => {
      const mallory = await loggedIn('mallory@example.com', 'admin');
      const { client: other } = await loggedIn('root@example.com', 'admin');
      // Their session was just found live (and is remembered): the change through the service still counts at once.
      await mallory.client.users.me.query();
      await other.users.update.mutate({ id: mallory.row.id, role: 'user', isActive: false });

      await expectTRPCError(
        mallory.client.users.update.mutate({ id: mallory.row.id, role: 'admin', isActive: true }),
        'UNAUTHORIZED',
        REVOKED,
      );
      expect(await currentRow(mallory.row.id)).toMatchObject({ role: 'user', isActive: false });
    });

    it('refuses a demoted admin’s admin update of themself with FORBIDDEN even while their session lives', async () => {
      const mallory = await loggedIn('mallory@example.com', 'admin');
      await setUser(mallory.row.id, { role: 'user' });

      await expectTRPCError(
        mallory.client.users.update.mutate({ id: mallory.row.id, role: 'admin', isActive: true }),
        'FORBIDDEN',
      );
      expect((await currentRow(mallory.row.id))?.role).toBe('user');
      // What they may still do, they do as a plain user.
      expect(await mallory.client.users.me.query()).toMatchObject({ id: mallory.row.id, role: 'user' });
    });

    it('refuses a deactivated user’s token with UNAUTHORIZED on me, updateMe and list', async () => {
      const ada = await loggedIn('ada@example.com');
      await setUser(ada.row.id, { isActive: false });

      await expectTRPCError(ada.client.users.me.query(), 'UNAUTHORIZED', REVOKED);
      await expectTRPCError(ada.client.users.updateMe.mutate({ firstName: 'Eve' }), 'UNAUTHORIZED', REVOKED);
      await expectTRPCError(ada.client.users.list.query({}), 'UNAUTHORIZED', REVOKED);
      expect((await currentRow(ada.row.id))?.firstName).toBeNull();
    });

    it('refuses a deleted user’s token with UNAUTHORIZED', async () => {
      const ada = await loggedIn('ada@example.com');
      const { client: admin } = await loggedIn('root@example.com', 'admin');
      await ada.client.users.me.query();
      await admin.users.delete.mutate({ id: ada.row.id });

      await expectTRPCError(ada.client.users.me.query(), 'UNAUTHORIZED', REVOKED);
      await expectTRPCError(ada.client.users.delete.mutate({ id: ada.row.id }), 'UNAUTHORIZED', REVOKED);
    });

    it('refuses the token of a logged-out session with UNAUTHORIZED, and keeps the user’s other sessions working', async () => {
      const ada = await loggedIn('ada@example.com');
      const other = await suite.server.login({ id: ada.row.id, role: 'user' });
      const { refreshToken } = await new SessionsRepository(suite.database.handle.db).create(ada.row.id, 3600);
      const thirdSessionId = refreshToken.split('.')[0] ?? '';
      const third = suite.server.client({ id: ada.row.id, role: 'user', sessionId: thirdSessionId });
      await third.users.me.query();

      await suite.server.client().internal.revokeSession.mutate({ refreshToken });
      await expectTRPCError(third.users.me.query(), 'UNAUTHORIZED', REVOKED);
      await suite.database.handle.db
        .update(sessions)
        .set({ revokedAt: sql`now()` })
        .where(eq(sessions.id, ada.sessionId));
      await expectTRPCError(ada.client.users.list.query({}), 'UNAUTHORIZED', REVOKED);

      expect(await other.client.users.me.query()).toMatchObject({ id: ada.row.id });
    });

    it('refuses the token of an expired session with UNAUTHORIZED', async () => {
      const ada = await loggedIn('ada@example.com');
      await suite.database.handle.db
        .update(sessions)
        .set({ expiresAt: sql`now() - interval '1 second'` })
        .where(eq(sessions.id, ada.sessionId));
      await expectTRPCError(ada.client.users.me.query(), 'UNAUTHORIZED', REVOKED);
    });

    it('refuses a session of another user, an unknown or malformed sid, and an actor without sid', async () => {
      const ada = await loggedIn('ada@example.com');
      const grace = await loggedIn('grace@example.com', 'admin');
      const claims = [
        { id: grace.row.id, role: 'admin' as const, sessionId: ada.sessionId },
        { id: ada.row.id, role: 'user' as const, sessionId: randomUUID() },
        { id: ada.row.id, role: 'user' as const, sessionId: 'not-a-uuid' },
        { id: ada.row.id, role: 'user' as const },
      ];
      for (const claim of claims) {
        await expectTRPCError(suite.server.client(claim).users.me.query(), 'UNAUTHORIZED', REVOKED);
      }
    });

    it('lets a promotion made behind the service’s back count within SPEC’s 5 s, whatever role the token still claims', async () => {
      const ada = await loggedIn('ada@example.com');
      const { row: bob } = await loggedIn('bob@example.com');
      await expectTRPCError(ada.client.users.update.mutate({ id: bob.id, firstName: 'Robert' }), 'FORBIDDEN');
      await setUser(ada.row.id, { role: 'admin' });
      // The live answer of her session is reused for up to ACTOR_CACHE_TTL_MS (1 s); SPEC's bound is 5 s.
      await vi.waitFor(
        async () =>
          expect(await ada.client.users.update.mutate({ id: bob.id, firstName: 'Robert' })).toMatchObject({
            firstName: 'Robert',
          }),
        { timeout: 5000, interval: 100 },
      );
    });

    it('stops a session revoked or a user deactivated behind the service’s back within SPEC’s 5 s', async () => {
      const ada = await loggedIn('ada@example.com');
      const grace = await loggedIn('grace@example.com');
      await ada.client.users.me.query();
      await grace.client.users.me.query();
      await suite.database.handle.db
        .update(sessions)
        .set({ revokedAt: sql`now()` })
        .where(eq(sessions.id, ada.sessionId));
      await setUser(grace.row.id, { isActive: false });
      await vi.waitFor(() => expectTRPCError(ada.client.users.me.query(), 'UNAUTHORIZED', REVOKED), {
        timeout: 5000,
        interval: 100,
      });
      await vi.waitFor(() => expectTRPCError(grace.client.users.me.query(), 'UNAUTHORIZED', REVOKED), {
        timeout: 5000,
        interval: 100,
      });
    });

    it('stops every session of a user at once when their password changes or an admin deactivates them, even just after a check', async () => {
      const ada = await loggedIn('ada@example.com');
      const other = await suite.server.login({ id: ada.row.id, role: 'user' });
      const grace = await loggedIn('grace@example.com');
      const { client: admin } = await loggedIn('root@example.com', 'admin');
      await other.client.users.me.query();
      await grace.client.users.me.query();

      await ada.client.users.updateMe.mutate({ password: 'a new password' });
      await expectTRPCError(other.client.users.me.query(), 'UNAUTHORIZED', REVOKED);
      expect(await ada.client.users.me.query()).toMatchObject({ id: ada.row.id });

      await admin.users.update.mutate({ id: grace.row.id, isActive: false });
      await expectTRPCError(grace.client.users.me.query(), 'UNAUTHORIZED', REVOKED);
    });

    it('keeps a promotion through the admin update revoking the promoted user’s sessions', async () => {
      const ada = await loggedIn('ada@example.com');
      const { client: admin } = await loggedIn('root@example.com', 'admin');
      await admin.users.update.mutate({ id: ada.row.id, role: 'admin' });
      await expectTRPCError(ada.client.users.me.query(), 'UNAUTHORIZED', REVOKED);
    });

    it('resolves the actor with one query per call at most (test/actor-cache.test.ts: reused), and none for calls that act for nobody', async () => {
      const ada = await loggedIn('ada@example.com');
      const findActor = vi.spyOn(SessionsRepository.prototype, 'findActor');
      await ada.client.users.me.query();
      expect(findActor).toHaveBeenCalledTimes(1);
      expect(findActor).toHaveBeenLastCalledWith(ada.sessionId, ada.row.id);

      findActor.mockClear();
      await suite.server.client().internal.verifyCredentials.mutate({
        email: 'ada@example.com',
        password: SEED_PASSWORD,
      });
      await suite.server.client().internal.createSession.mutate({ userId: ada.row.id, ttlSeconds: 60 });
      await suite.server.client().users.create.mutate({ email: 'new@example.com', password: 'correct horse' });
      expect(findActor).not.toHaveBeenCalled();
    });
  },
);
