import type { Role, User, UserCreate, UserPage } from '@basis/contracts';
import { and, asc, count, eq, sql } from 'drizzle-orm';
import type { ActorCache } from '../auth/actor-cache.js';
import type { Database } from '../db/client.js';
import { type UserRow, users } from '../db/schema.js';
import { LAST_ADMIN } from '../errors.js';
import { appendUserEvent } from './user-events.js';

/** A user row as stored, hash included: only repositories, `toUser` and credential checks ever see it. */
export type StoredUser = UserRow;

/** Columns an update may set; `passwordHash` is already hashed. Omitted fields are left alone. */
export interface UserChanges {
  email?: string | undefined;
  passwordHash?: string | undefined;
  firstName?: string | null | undefined;
  lastName?: string | null | undefined;
  isActive?: boolean | undefined;
  role?: Role | undefined;
}

/**
 * Maps a stored row to the public `User` (contract shape): drops the hash, dates as ISO 8601 strings.
 * @param row a `users` row
 * @returns the `User` the contract's output schema accepts
 */
export function toUser(row: StoredUser): User {
  return {
    id: row.id,
    email: row.email,
    firstName: row.firstName,
    lastName: row.lastName,
    isActive: row.isActive,
    role: row.role,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The change would leave no active admin (demoting, deactivating or deleting the last one): `message` says so. */
export class LastAdminError extends Error {
  override readonly name = 'LastAdminError';
  constructor() {
    super(LAST_ADMIN);
  }
}

/** A transaction of {@link Database}, or the database itself. */
type Executor = Database | Parameters<Parameters<Database['transaction']>[0]>[0];

/**
 * Locks every active admin's row (`SELECT … FOR UPDATE`) and refuses when `id` is the only one. Two
 * admins demoting each other concurrently serialise on these locks: the second one, once the first
 * commits, re-reads the rows, finds itself the last active admin and is refused.
 * @throws LastAdminError when `id` is the last active admin
 */
async function refuseLastAdmin(tx: Executor, id: number): Promise<void> {
  const admins = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, 'admin'), eq(users.isActive, true)))
    .for('update');
  if (admins.length === 1 && admins[0]?.id === id) throw new LastAdminError();
}

/** Drops `undefined` entries so an update sets only the fields that were given. */
function definedOnly(changes: UserChanges): UserChanges {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
}

/**
 * Data access for the `users` table. Works on PGlite and postgres.js alike.
 * Driver errors propagate unchanged (a taken email is a unique violation, mapped to CONFLICT by `toTRPCError`).
 */
export class UsersRepository {
  /**
   * `findById` as a named prepared statement: drizzle builds its SQL once here instead of on every call
   * (building it was ~6% of the service's CPU per read), and postgres.js prepares it once per connection.
   */
  private readonly byId;

  /**
   * @param db the users database
   * @param actors the live-session cache to clear when a role, an activity or a user goes (none by default)
   */
  constructor(
    private readonly db: Database,
    private readonly actors?: ActorCache,
  ) {
    this.byId = db
      .select()
      .from(users)
      .where(eq(users.id, sql.placeholder('id')))
      .prepare('users_find_by_id');
  }

  /**
   * Inserts a user.
   * @param input the contract's create input (email already normalised) with the hashed password
   * @param role defaults to `user`
   * @returns the stored row
   * @throws the driver's unique violation (SQLSTATE 23505) when the email is taken
   */
  async create(
    input: Omit<UserCreate, 'password'> & { passwordHash: string },
    role: Role = 'user',
  ): Promise<StoredUser> {
    const [row] = await this.db
      .insert(users)
      .values({
        email: input.email,
        passwordHash: input.passwordHash,
        firstName: input.firstName ?? null,
        lastName: input.lastName ?? null,
        role,
      })
      .returning();
    if (!row) throw new Error('insert returned no row');
    return row;
  }

  /** @returns the user with this id, or `undefined` */
  async findById(id: number): Promise<StoredUser | undefined> {
    const [row] = await this.byId.execute({ id });
    return row;
  }

  /** @param email a normalised (trimmed, lower-cased) email @returns the user, or `undefined` */
  async findByEmail(email: string): Promise<StoredUser | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.email, email));
    return row;
  }

  /**
   * One page of users ordered by id, and the total count.
   * @param limit page size (1..100, validated by the contract); @param offset rows to skip
   */
  async list(limit: number, offset: number): Promise<UserPage> {
    const [rows, totals] = await Promise.all([
      this.db.select().from(users).orderBy(asc(users.id)).limit(limit).offset(offset),
      this.db.select({ total: count() }).from(users),
    ]);
    return { items: rows.map(toUser), total: totals[0]?.total ?? 0, limit, offset };
  }

  /**
   * Updates the given fields and `updatedAt`. A change that demotes or deactivates a user runs in one
   * transaction with the last-admin check.
   * @returns the updated row, or `undefined` when there is no such user
   * @throws LastAdminError when it would demote or deactivate the last active admin
   * @throws the driver's unique violation when the new email is taken
   */
  async update(id: number, changes: UserChanges): Promise<StoredUser | undefined> {
    const write = async (tx: Executor) => {
      const [row] = await tx
        .update(users)
        .set({ ...definedOnly(changes), updatedAt: new Date() })
        .where(eq(users.id, id))
        .returning();
      return row;
    };
    const demotes = changes.isActive === false || (changes.role !== undefined && changes.role !== 'admin');
    const row = demotes
      ? await this.db.transaction(async (tx) => {
          await refuseLastAdmin(tx, id);
          return write(tx);
        })
      : await write(this.db);
    if (changes.role !== undefined || changes.isActive !== undefined) this.actors?.clear();
    return row;
  }

  /**
   * Deletes a user; their sessions and refresh tokens go with them (FK cascade), and a `user.deleted`
   * event is appended to the outbox in the same transaction (SPEC: Events).
   * @returns whether a row was deleted (no event when none was)
   * @throws LastAdminError when it is the last active admin
   */
  async delete(id: number): Promise<boolean> {
    const deleted = await this.db.transaction(async (tx) => {
      await refuseLastAdmin(tx, id);
      const rows = await tx.delete(users).where(eq(users.id, id)).returning({ id: users.id });
      if (rows.length === 0) return false;
      await appendUserEvent(tx, { type: 'user.deleted', userId: id });
      return true;
    });
    if (deleted) this.actors?.clear();
    return deleted;
  }
}
