import { eq, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createActorCache } from '../src/auth/actor-cache.js';
import { sessions, users } from '../src/db/schema.js';
import { type SessionActor, SessionsRepository } from '../src/repositories/sessions.js';
import { expectTRPCError } from './support/assertions.js';
import { testDrivers } from './support/databases.js';
import { seedUser } from './support/seed.js';
import { useServerOn } from './support/suite.js';

const REVOKED = 'Session expired or revoked';
const SESSION = '6f1c1f0e-8d3a-4c1e-9a51-1b2d3c4d5e6f';

/** A lookup that answers `actor` (or throws `failure`) after the test resolves it, counting its calls. */
function controlledLookup() {
  const pending: Array<{ resolve: (actor: SessionActor | undefined) => void; reject: (error: Error) => void }> = [];
  const lookup = vi.fn(
    () =>
      new Promise<SessionActor | undefined>((resolve, reject) => {
        pending.push({ resolve, reject });
      }),
  );
  return { lookup, pending };
}

describe('createActorCache', () => {
  const actor: SessionActor = { id: 7, role: 'user', sessionId: SESSION };

  it('makes one lookup for concurrent checks of one session, and reuses a live answer', async () => {
    const cache = createActorCache({ ttlMs: 60_000 });
    const { lookup, pending } = controlledLookup();
    const first = cache.resolve(SESSION, 7, lookup);
    const second = cache.resolve(SESSION, 7, lookup);
    expect(lookup).toHaveBeenCalledTimes(1);
    pending[0]?.resolve(actor);
    expect(await first).toEqual(actor);
    expect(await second).toEqual(actor);
    expect(await cache.resolve(SESSION, 7, lookup)).toEqual(actor);
    expect(lookup).toHaveBeenCalledTimes(1);
  });

  it('keys by session and user: another user claiming the session is looked up on its own', async () => {
    const cache = createActorCache({ ttlMs: 60_000 });
    await cache.resolve(SESSION, 7, async () => actor);
    const other = vi.fn(async () => undefined);
    expect(await cache.resolve(SESSION, 8, other)).toBeUndefined();
    expect(other).toHaveBeenCalledTimes(1);
  });

  it('never remembers a refusal or a failed lookup', async () => {
    const cache = createActorCache({ ttlMs: 60_000 });
    const refusing = vi.fn(async () => undefined);
    await cache.resolve(SESSION, 7, refusing);
    await cache.resolve(SESSION, 7, refusing);
    expect(refusing).toHaveBeenCalledTimes(2);

    const failing = vi.fn(async (): Promise<SessionActor | undefined> => {
      throw new Error('connection refused');
    });
    await expect(cache.resolve(SESSION, 7, failing)).rejects.toThrow('connection refused');
    expect(await cache.resolve(SESSION, 7, async () => actor)).toEqual(actor);
    expect(failing).toHaveBeenCalledTimes(1);
  });

  it('forgets every answer on clear(), and never remembers a lookup that was in flight then', async () => {
    const cache = createActorCache({ ttlMs: 60_000 });
    await cache.resolve(SESSION, 7, async () => actor);
    cache.clear();
    const { lookup, pending } = controlledLookup();
    const inFlight = cache.resolve(SESSION, 7, lookup);
    cache.clear();
    pending[0]?.resolve(actor);
    expect(await inFlight).toEqual(actor);
    const after = vi.fn(async () => undefined);
    expect(await cache.resolve(SESSION, 7, after)).toBeUndefined();
    expect(after).toHaveBeenCalledTimes(1);
  });

  it('asks again once the answer is older than its TTL', async () => {
    const cache = createActorCache({ ttlMs: 20 });
    const lookup = vi.fn(async () => actor);
    await cache.resolve(SESSION, 7, lookup);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await cache.resolve(SESSION, 7, lookup);
    expect(lookup).toHaveBeenCalledTimes(2);
  });

  it('asks every time with a TTL of 0', async () => {
    const cache = createActorCache({ ttlMs: 0 });
    const lookup = vi.fn(async () => actor);
    await cache.resolve(SESSION, 7, lookup);
    await cache.resolve(SESSION, 7, lookup);
    expect(lookup).toHaveBeenCalledTimes(2);
  });
});

/**
 * The server with a live session's answer reused for a minute: the same session's next calls make no
 * query, and every change made through the service still counts at once (a minute would show).
 */
describe.each(testDrivers)('users with a remembered session on $name', (driver) => {
  const suite = useServerOn(driver, { actorCacheTtlMs: 60_000 });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const loggedIn = async (email: string, role: 'user' | 'admin' = 'user') => {
    const row = await seedUser(suite.database.handle, { email, role });
    return { row, ...(await suite.server.login({ id: row.id, role })) };
  };

  it('checks a session once for its repeated calls', async () => {
    const ada = await loggedIn('ada@example.com');
    const findActor = vi.spyOn(SessionsRepository.prototype, 'findActor');
    await ada.client.users.me.query();
    await ada.client.users.updateMe.mutate({ lastName: 'Lovelace' });
    await ada.client.users.byId.query({ id: ada.row.id });
    expect(findActor).toHaveBeenCalledTimes(1);
  });

  it('still refuses at once after a logout or a password change through the service', async () => {
    const ada = await loggedIn('ada@example.com');
    const { refreshToken } = await new SessionsRepository(suite.database.handle.db).create(ada.row.id, 3600);
    const sessionId = refreshToken.split('.')[0] ?? '';
    const second = suite.server.client({ id: ada.row.id, role: 'user', sessionId });
    const third = await suite.server.login({ id: ada.row.id, role: 'user' });
    await second.users.me.query();
    await third.client.users.me.query();

    await suite.server.client().internal.revokeSession.mutate({ refreshToken });
    await expectTRPCError(second.users.me.query(), 'UNAUTHORIZED', REVOKED);

    await ada.client.users.updateMe.mutate({ password: 'a new password' });
    await expectTRPCError(third.client.users.me.query(), 'UNAUTHORIZED', REVOKED);
    expect(await ada.client.users.me.query()).toMatchObject({ id: ada.row.id });
  });

  it.each([
    ['revokeUserSessions', 'user'],
    ['deactivation', 'user'],
    ['demotion', 'admin'],
    ['deletion', 'user'],
  ] as const)('still refuses at once after a %s through the service', async (change, role) => {
    const admin = await loggedIn('root@example.com', 'admin');
    const user = await loggedIn('ada@example.com', role);
    expect(await user.client.users.me.query()).toMatchObject({ id: user.row.id, role });
    const id = user.row.id;
    if (change === 'revokeUserSessions') await suite.server.client().internal.revokeUserSessions.mutate({ userId: id });
    if (change === 'deactivation') await admin.client.users.update.mutate({ id, isActive: false });
    if (change === 'demotion') await admin.client.users.update.mutate({ id, role: 'user' });
    if (change === 'deletion') await admin.client.users.delete.mutate({ id });
    await expectTRPCError(user.client.users.me.query(), 'UNAUTHORIZED', REVOKED);
  });

  it('takes a change made behind its back only after the reuse time (which is why the default is 1 s)', async () => {
    const ada = await loggedIn('ada@example.com');
    await ada.client.users.me.query();
    await suite.database.handle.db
      .update(sessions)
      .set({ revokedAt: sql`now()` })
      .where(eq(sessions.id, ada.sessionId));
    await suite.database.handle.db.update(users).set({ isActive: false }).where(eq(users.id, ada.row.id));
    expect(await ada.client.users.me.query()).toMatchObject({ id: ada.row.id });
  });
});
