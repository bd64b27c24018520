import { createHash } from 'node:crypto';
import { IssuedSession } from '@basis/contracts';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { refreshTokens, sessions } from '../src/db/schema.js';
import { expectNoSecrets, expectTRPCError } from './support/assertions.js';
import { testDrivers } from './support/databases.js';
import { SEED_PASSWORD, seedUser } from './support/seed.js';
import { useServerOn } from './support/suite.js';

const TTL = 3600;
const TOKEN_SHAPE = /^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/;

describe.each(testDrivers)('credentials and refresh sessions on $name', (driver) => {
  const suite = useServerOn(driver);

  /** The gateway's view: an internal client acting for nobody. */
  const gateway = () => suite.server.client().internal;
  const liveSessions = (userId: number) =>
    suite.database.handle.db.$count(sessions, and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
  const storedTokens = () => suite.database.handle.db.select().from(refreshTokens);

  describe('verifyCredentials', () => {
    it('returns the user for a correct email and password, whatever the email’s case and spacing', async () => {
      const row = await seedUser(suite.database.handle, { email: 'ada@example.com' });
      const user = await gateway().verifyCredentials.mutate({ email: ' ADA@example.com ', password: SEED_PASSWORD });
      expect(user).toMatchObject({ id: row.id, email: 'ada@example.com' });
    });

    it('answers UNAUTHORIZED with one message for a wrong password and for an unknown email', async () => {
      await seedUser(suite.database.handle, { email: 'ada@example.com' });
      const wrong = await expectTRPCError(
        gateway().verifyCredentials.mutate({ email: 'ada@example.com', password: 'wrong password' }),
        'UNAUTHORIZED',
      );
      const unknown = await expectTRPCError(
        gateway().verifyCredentials.mutate({ email: 'nobody@example.com', password: SEED_PASSWORD }),
        'UNAUTHORIZED',
      );
      expect(unknown.message).toBe(wrong.message);
    });

    it('answers FORBIDDEN for the correct password of an inactive user, UNAUTHORIZED for a wrong one', async () => {
      await seedUser(suite.database.handle, { email: 'ada@example.com', isActive: false });
      await expectTRPCError(
        gateway().verifyCredentials.mutate({ email: 'ada@example.com', password: SEED_PASSWORD }),
        'FORBIDDEN',
      );
      await expectTRPCError(
        gateway().verifyCredentials.mutate({ email: 'ada@example.com', password: 'wrong password' }),
        'UNAUTHORIZED',
      );
    });
  });

  describe('createSession', () => {
    it('issues a `<sessionId>.<secret>` token and stores only the SHA-256 of its secret', async () => {
      const row = await seedUser(suite.database.handle, { email: 'ada@example.com' });
      const before = Date.now();
      const issued = await gateway().createSession.mutate({ userId: row.id, ttlSeconds: TTL });
      expect(IssuedSession.parse(issued)).toEqual(issued);
      expect(issued.refreshToken).toMatch(TOKEN_SHAPE);
      expect(issued.refreshToken.startsWith(`${issued.sessionId}.`)).toBe(true);
      expect(issued.user).toMatchObject({ id: row.id, email: 'ada@example.com' });
      const expiresAt = Date.parse(issued.expiresAt);
      expect(expiresAt).toBeGreaterThanOrEqual(before + TTL * 1000 - 1000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + TTL * 1000 + 1000);

      const secret = issued.refreshToken.split('.')[1] ?? '';
      const stored = await storedTokens();
      expect(stored.map((token) => token.tokenHash)).toEqual([createHash('sha256').update(secret).digest('hex')]);
      expect(JSON.stringify(stored)).not.toContain(secret);
    });

    it('answers NOT_FOUND for an unknown user and FORBIDDEN for an inactive one', async () => {
      await expectTRPCError(gateway().createSession.mutate({ userId: 424242, ttlSeconds: TTL }), 'NOT_FOUND');
      const row = await seedUser(suite.database.handle, { email: 'ada@example.com', isActive: false });
      await expectTRPCError(gateway().createSession.mutate({ userId: row.id, ttlSeconds: TTL }), 'FORBIDDEN');
    });

    it('rejects a ttl that is not a positive integer with BAD_REQUEST', async () => {
      await expectTRPCError(gateway().createSession.mutate({ userId: 1, ttlSeconds: 0 }), 'BAD_REQUEST');
    });
  });

  describe('rotateSession', () => {
    const open = async () => {
      const row = await seedUser(suite.database.handle, { email: 'ada@example.com' });
      return { row, issued: await gateway().createSession.mutate({ userId: row.id, ttlSeconds: TTL }) };
    };

    it('returns a new token in the same session with the current user, and the old one stops working', async () => {
      const { row, issued } = await open();
      await suite.server
        .client({ id: row.id, role: 'user', sessionId: issued.sessionId })
        .users.updateMe.mutate({ firstName: 'Augusta' });
      const rotated = await gateway().rotateSession.mutate({ refreshToken: issued.refreshToken, ttlSeconds: TTL });
      expect(rotated.sessionId).toBe(issued.sessionId);
      expect(rotated.refreshToken).not.toBe(issued.refreshToken);
      expect(rotated.refreshToken).toMatch(TOKEN_SHAPE);
      expect(rotated.user.firstName).toBe('Augusta');
      const again = await gateway().rotateSession.mutate({ refreshToken: rotated.refreshToken, ttlSeconds: TTL });
      expect(again.sessionId).toBe(issued.sessionId);
    });

    /** Moves every used token's `used_at` back past the 10 s reuse interval. */
    const ageUsedTokens = () =>
      suite.database.handle.db.execute(
        sql`update refresh_tokens set used_at = now() - interval '11 seconds' where used_at is not null`,
      );

    it('revokes the whole session when a token rotated over 10 s ago is presented again', async () => {
      const { issued } = await open();
      const rotated = await gateway().rotateSession.mutate({ refreshToken: issued.refreshToken, ttlSeconds: TTL });
      await ageUsedTokens();
      await expectTRPCError(
        gateway().rotateSession.mutate({ refreshToken: issued.refreshToken, ttlSeconds: TTL }),
        'UNAUTHORIZED',
      );
      // The reuse revoked the family: the legitimately rotated token is dead too.
      await expectTRPCError(
        gateway().rotateSession.mutate({ refreshToken: rotated.refreshToken, ttlSeconds: TTL }),
        'UNAUTHORIZED',
      );
    });

    it('gives each of ten concurrent rotations of one token a sibling in the same live session', async () => {
      const { issued } = await open();
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          gateway().rotateSession.mutate({ refreshToken: issued.refreshToken, ttlSeconds: TTL }),
        ),
      );
      expect(new Set(results.map((result) => result.sessionId))).toEqual(new Set([issued.sessionId]));
      expect(new Set(results.map((result) => result.refreshToken)).size).toBe(10);
      // Every sibling still rotates: the session survived.
      for (const result of results) {
        const next = await gateway().rotateSession.mutate({ refreshToken: result.refreshToken, ttlSeconds: TTL });
        expect(next.sessionId).toBe(issued.sessionId);
      }
    });

    it('refuses a used token within the interval once its session is revoked', async () => {
      const { issued } = await open();
      await gateway().rotateSession.mutate({ refreshToken: issued.refreshToken, ttlSeconds: TTL });
      await gateway().revokeSession.mutate({ refreshToken: issued.refreshToken });
      await expectTRPCError(
        gateway().rotateSession.mutate({ refreshToken: issued.refreshToken, ttlSeconds: TTL }),
        'UNAUTHORIZED',
      );
    });

    it('answers UNAUTHORIZED for unknown, malformed, tampered, expired or revoked tokens', async () => {
      const { issued } = await open();
      const [sessionId] = issued.refreshToken.split('.');
      const refused = [
        `${sessionId}.${'A'.repeat(43)}`,
        `00000000-0000-4000-8000-000000000000.${issued.refreshToken.split('.')[1]}`,
        'not-a-token',
        `${issued.refreshToken}x`,
      ];
      for (const refreshToken of refused) {
        await expectTRPCError(gateway().rotateSession.mutate({ refreshToken, ttlSeconds: TTL }), 'UNAUTHORIZED');
      }

      await suite.database.handle.db.execute(sql`update refresh_tokens set expires_at = now() - interval '1 second'`);
      await expectTRPCError(
        gateway().rotateSession.mutate({ refreshToken: issued.refreshToken, ttlSeconds: TTL }),
        'UNAUTHORIZED',
      );

      const second = await gateway().createSession.mutate({ userId: issued.user.id, ttlSeconds: TTL });
      await gateway().revokeSession.mutate({ refreshToken: second.refreshToken });
      await expectTRPCError(
        gateway().rotateSession.mutate({ refreshToken: second.refreshToken, ttlSeconds: TTL }),
        'UNAUTHORIZED',
      );
    });

    it('answers UNAUTHORIZED once the user is deactivated', async () => {
      const { row, issued } = await open();
      await suite.database.handle.db.execute(sql`update users set is_active = false where id = ${row.id}`);
      await expectTRPCError(
        gateway().rotateSession.mutate({ refreshToken: issued.refreshToken, ttlSeconds: TTL }),
        'UNAUTHORIZED',
      );
    });
  });

  describe('revokeSession and revokeUserSessions', () => {
    it('revokes a session idempotently and ignores unknown or malformed tokens', async () => {
      const row = await seedUser(suite.database.handle, { email: 'ada@example.com' });
      const issued = await gateway().createSession.mutate({ userId: row.id, ttlSeconds: TTL });
      await expect(gateway().revokeSession.mutate({ refreshToken: issued.refreshToken })).resolves.toBeUndefined();
      await expect(gateway().revokeSession.mutate({ refreshToken: issued.refreshToken })).resolves.toBeUndefined();
      await expect(gateway().revokeSession.mutate({ refreshToken: 'garbage' })).resolves.toBeUndefined();
      expect(await liveSessions(row.id)).toBe(0);
    });

    it('revokes every session of a user except the one named, and reports how many', async () => {
      const row = await seedUser(suite.database.handle, { email: 'ada@example.com' });
      const issued = [];
      for (let i = 0; i < 3; i++)
        issued.push(await gateway().createSession.mutate({ userId: row.id, ttlSeconds: TTL }));
      const keep = issued[0]?.sessionId;
      expect(await gateway().revokeUserSessions.mutate({ userId: row.id, exceptSessionId: keep })).toEqual({
        revoked: 2,
      });
      expect(await liveSessions(row.id)).toBe(1);
      expect(await gateway().revokeUserSessions.mutate({ userId: row.id })).toEqual({ revoked: 1 });
      expect(await gateway().revokeUserSessions.mutate({ userId: row.id })).toEqual({ revoked: 0 });
    });
  });

  describe('session revocation by user updates', () => {
    const withSessions = async (role: 'user' | 'admin' = 'user') => {
      const row = await seedUser(suite.database.handle, { email: `${role}-${Math.random()}@example.com`, role });
      const a = await gateway().createSession.mutate({ userId: row.id, ttlSeconds: TTL });
      const b = await gateway().createSession.mutate({ userId: row.id, ttlSeconds: TTL });
      return { row, a, b };
    };

    it('keeps the caller’s session but revokes the others when updateMe sets a new password', async () => {
      const { row, a, b } = await withSessions();
      const client = suite.server.client({ id: row.id, role: 'user', sessionId: a.sessionId });
      await client.users.updateMe.mutate({ password: 'a brand new password' });
      await expect(
        gateway().rotateSession.mutate({ refreshToken: a.refreshToken, ttlSeconds: TTL }),
      ).resolves.toMatchObject({ sessionId: a.sessionId });
      await expectTRPCError(
        gateway().rotateSession.mutate({ refreshToken: b.refreshToken, ttlSeconds: TTL }),
        'UNAUTHORIZED',
      );
      await expect(
        gateway().verifyCredentials.mutate({ email: row.email, password: 'a brand new password' }),
      ).resolves.toMatchObject({ id: row.id });
    });

    it('keeps every session when updateMe changes only names', async () => {
      const { row, a } = await withSessions();
      await suite.server
        .client({ id: row.id, role: 'user', sessionId: a.sessionId })
        .users.updateMe.mutate({ lastName: 'Byron' });
      expect(await liveSessions(row.id)).toBe(2);
    });

    it('revokes every session when an admin sets a new password, deactivates or changes the role', async () => {
      const adminRow = await seedUser(suite.database.handle, { email: 'admin@example.com', role: 'admin' });
      const { client: adminClient } = await suite.server.login({ id: adminRow.id, role: 'admin' });
      for (const change of [{ password: 'another new password' }, { isActive: false }, { role: 'admin' as const }]) {
        const { row } = await withSessions();
        await adminClient.users.update.mutate({ id: row.id, firstName: 'Kept', ...change });
        expect(await liveSessions(row.id)).toBe(0);
      }
      const { row } = await withSessions();
      await adminClient.users.update.mutate({ id: row.id, firstName: 'Only a name', role: 'user', isActive: true });
      expect(await liveSessions(row.id)).toBe(2);
    });

    it('deletes a user’s sessions and refresh tokens with the user', async () => {
      const { row, a } = await withSessions();
      await suite.server
        .client({ id: row.id, role: 'user', sessionId: a.sessionId })
        .users.delete.mutate({ id: row.id });
      expect(await storedTokens()).toEqual([]);
      expect(await suite.database.handle.db.$count(sessions)).toBe(0);
    });
  });

  it('never sent a password hash, an argon2 string or a stack trace in any response', () => {
    expect(suite.server.responses.length).toBeGreaterThan(20);
    for (const body of suite.server.responses) expectNoSecrets(body);
  });
});
