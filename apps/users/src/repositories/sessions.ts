import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '@basis/contracts';
import { and, eq, gt, isNull, ne, or, sql } from 'drizzle-orm';
import { type ActorCache, createActorCache } from '../auth/actor-cache.js';
import type { Database } from '../db/client.js';
import { refreshTokens, type SessionRow, sessions, type UserRow, users } from '../db/schema.js';

/** Canonical textual UUID, as `sessions.id` prints it. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A refresh token as issued: its plaintext (`<sessionId>.<secret>`) exists only here, once. */
export interface IssuedToken {
  sessionId: string;
  refreshToken: string;
  expiresAt: Date;
}

/** How long a used refresh token may still be rotated by a concurrent refresh: 10 s, in milliseconds. */
export const DEFAULT_REUSE_INTERVAL_MS = 10_000;

/** What a rotation attempt found. Only `rotated` carries a new token; `reused` has revoked the session. */
export type RotationResult =
  | { status: 'rotated'; token: IssuedToken; user: UserRow }
  | { status: 'unknown' | 'reused' | 'revoked' | 'expired' | 'inactive' };

/** The user a live session acts for, as the database has them now (not as a token remembers them). */
export interface SessionActor {
  id: number;
  role: Role;
  sessionId: string;
}

/**
 * SHA-256 of a refresh secret, hex. Secrets are 256 random bits, so a fast unsalted hash is enough:
 * a leaked table cannot be turned back into usable tokens.
 */
function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Splits `<sessionId>.<secret>`; returns `undefined` for anything malformed (never reaches SQL). */
function parseToken(token: string): { sessionId: string; secret: string } | undefined {
  const dot = token.indexOf('.');
  const sessionId = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  if (dot < 0 || !UUID.test(sessionId) || !/^[A-Za-z0-9_-]{43}$/.test(secret)) return undefined;
  return { sessionId, secret };
}

/** A fresh secret (32 random bytes, base64url) with its hash. */
function newSecret(): { secret: string; tokenHash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, tokenHash: hashSecret(secret) };
}

/**
 * Refresh sessions ("token families") and their rotating refresh tokens. Only SHA-256 hashes of
 * secrets are stored. Works on PGlite and postgres.js alike.
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-security-topics §4.14.2 (rotation, reuse detection)
 */
export class SessionsRepository {
  /** `findActor` as a named prepared statement: its SQL is built once, not on every authenticated call. */
  private readonly actorQuery;

  /**
   * @param db the users database
   * @param reuseIntervalMs how long a used refresh token may still be rotated (concurrent refreshes), in
   *   milliseconds; 0 turns the interval off (every reuse revokes the session)
   * @param actors where {@link findLiveActor} remembers live sessions (cleared by every revocation here);
   *   none by default, so every check asks the database
   */
  constructor(
    private readonly db: Database,
    private readonly reuseIntervalMs: number = DEFAULT_REUSE_INTERVAL_MS,
    private readonly actors: ActorCache = createActorCache({ ttlMs: 0 }),
  ) {
    this.actorQuery = db
      .select({ id: users.id, role: users.role })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(
        and(
          eq(sessions.id, sql.placeholder('sessionId')),
          eq(sessions.userId, sql.placeholder('userId')),
          isNull(sessions.revokedAt),
          gt(sessions.expiresAt, sql`now()`),
          eq(users.isActive, true),
        ),
      )
      .limit(1)
      .prepare('sessions_find_actor');
  }

  /**
   * Opens a session for a user and issues its first refresh token.
   * @param userId an existing user's id
   * @param ttlSeconds lifetime of the token and the session, in seconds
   * @throws the driver's foreign-key violation when the user does not exist
   */
  async create(userId: number, ttlSeconds: number): Promise<IssuedToken> {
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    const { secret, tokenHash } = newSecret();
    return this.db.transaction(async (tx) => {
      const [session] = await tx.insert(sessions).values({ userId, expiresAt }).returning({ id: sessions.id });
      if (!session) throw new Error('insert returned no row');
      await tx.insert(refreshTokens).values({ sessionId: session.id, tokenHash, expiresAt });
      return { sessionId: session.id, refreshToken: `${session.id}.${secret}`, expiresAt };
    });
  }

  /**
   * Rotates a refresh token: marks it used and issues a new one in the same session, with a fresh
   * lifetime. A token used less than `reuseIntervalMs` ago (the reuse interval of Auth0 and Okta) may
   * be presented again: concurrent refreshes of one token (a browser's tabs) each get a sibling token
   * of the same session instead of logging the user out. Presented later, a used token counts as reuse
   * and revokes the whole session. The check and the mark are one conditional
   * `UPDATE … WHERE used_at IS NULL OR used_at > now() - interval` (the database's clock), and the
   * session's row is updated `WHERE revoked_at IS NULL` in the same transaction, so a rotation racing a
   * revocation either happens before it or finds the session revoked (PGlite and PostgreSQL alike).
   * @param token the presented `<sessionId>.<secret>`
   * @param ttlSeconds lifetime of the new token, in seconds
   * @returns `rotated` with the new token and the current user row, or why it was refused
   */
  async rotate(token: string, ttlSeconds: number): Promise<RotationResult> {
    const parsed = parseToken(token);
    if (!parsed) return { status: 'unknown' };
    const [found] = await this.db
      .select({
        tokenId: refreshTokens.id,
        usedAt: refreshTokens.usedAt,
        expiresAt: refreshTokens.expiresAt,
        session: sessions,
        user: users,
      })
      .from(refreshTokens)
      .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(
        and(eq(refreshTokens.tokenHash, hashSecret(parsed.secret)), eq(refreshTokens.sessionId, parsed.sessionId)),
      );
    if (!found) return { status: 'unknown' };
    const refusal = refuse(found.session, found.expiresAt, found.user);
    if (refusal) {
      if (found.usedAt !== null) await this.revokeById(found.session.id);
      return { status: found.usedAt !== null ? 'reused' : refusal };
    }

    const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    const { secret, tokenHash } = newSecret();
    const outcome = await this.db.transaction(async (tx) => {
      const marked = await tx
        .update(refreshTokens)
        .set({ usedAt: sql`coalesce(${refreshTokens.usedAt}, now())` })
        .where(
          and(
            eq(refreshTokens.id, found.tokenId),
            or(
              isNull(refreshTokens.usedAt),
              gt(refreshTokens.usedAt, sql`now() - ${this.reuseIntervalMs}::integer * interval '1 millisecond'`),
            ),
          ),
        )
        .returning({ id: refreshTokens.id });
      if (marked.length === 0) return 'reused' as const;
      const live = await tx
        .update(sessions)
        .set({ expiresAt })
        .where(and(eq(sessions.id, found.session.id), isNull(sessions.revokedAt)))
        .returning({ id: sessions.id });
      if (live.length === 0) return 'revoked' as const;
      await tx.insert(refreshTokens).values({ sessionId: found.session.id, tokenHash, expiresAt });
      return 'rotated' as const;
    });
    if (outcome === 'reused') await this.revokeById(found.session.id);
    if (outcome !== 'rotated') return { status: outcome };
    return {
      status: 'rotated',
      token: { sessionId: found.session.id, refreshToken: `${found.session.id}.${secret}`, expiresAt },
      user: found.user,
    };
  }

  /**
   * Resolves who a live session acts for, in one query on the `sessions` primary key joined to its user:
   * the session must exist, belong to `userId`, be neither revoked nor expired, and its user must be
   * active. The role is the user's current one, so a demotion or promotion counts at once.
   * @param sessionId the `sid` claim; anything that is not a UUID finds nothing (never reaches SQL)
   * @param userId the `sub` claim
   * @returns the actor with their current role, or `undefined` when any condition fails
   */
  async findActor(sessionId: string, userId: number): Promise<SessionActor | undefined> {
    if (!UUID.test(sessionId)) return undefined;
    const [row] = await this.actorQuery.execute({ sessionId, userId });
    return row ? { ...row, sessionId } : undefined;
  }

  /**
   * {@link findActor} for the caller of a procedure, answered from the actor cache while a recent check
   * found the same session live (`ACTOR_CACHE_TTL_MS`); refusals are always asked anew.
   * @param sessionId the `sid` claim; @param userId the `sub` claim
   * @returns the actor with their role as of at most the cache's TTL ago, or `undefined`
   */
  findLiveActor(sessionId: string, userId: number): Promise<SessionActor | undefined> {
    return this.actors.resolve(sessionId, userId, () => this.findActor(sessionId, userId));
  }

  /**
   * Revokes the session a refresh token belongs to. Idempotent: malformed, unknown or already revoked
   * tokens change nothing. A used (rotated) token still names its session, so it revokes it too.
   * @returns whether a session was revoked by this call
   */
  async revokeByToken(token: string): Promise<boolean> {
    const parsed = parseToken(token);
    if (!parsed) return false;
    const [found] = await this.db
      .select({ sessionId: refreshTokens.sessionId })
      .from(refreshTokens)
      .where(
        and(eq(refreshTokens.tokenHash, hashSecret(parsed.secret)), eq(refreshTokens.sessionId, parsed.sessionId)),
      );
    return found ? this.revokeById(found.sessionId) : false;
  }

  /**
   * Revokes every live session of a user, except one when given.
   * @param exceptSessionId a session to keep (the caller's own); ignored when it is not a UUID
   * @returns how many sessions were revoked
   */
  async revokeAllForUser(userId: number, exceptSessionId?: string): Promise<number> {
    const keep = exceptSessionId !== undefined && UUID.test(exceptSessionId) ? exceptSessionId : undefined;
    const rows = await this.db
      .update(sessions)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), keep ? ne(sessions.id, keep) : undefined))
      .returning({ id: sessions.id });
    this.actors.clear();
    return rows.length;
  }

  private async revokeById(sessionId: string): Promise<boolean> {
    const rows = await this.db
      .update(sessions)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id });
    this.actors.clear();
    return rows.length > 0;
  }
}

/** Why an unused token may still not be rotated, or `undefined` when it may. */
function refuse(
  session: SessionRow,
  tokenExpiresAt: Date,
  user: UserRow,
): 'revoked' | 'expired' | 'inactive' | undefined {
  const now = Date.now();
  if (session.revokedAt !== null) return 'revoked';
  if (tokenExpiresAt.getTime() <= now || session.expiresAt.getTime() <= now) return 'expired';
  if (!user.isActive) return 'inactive';
  return undefined;
}
