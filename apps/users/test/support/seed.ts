import type { Role } from '@basis/contracts';
import { hashPassword } from '../../src/auth/passwords.js';
import type { DatabaseHandle } from '../../src/db/client.js';
import { type StoredUser, UsersRepository } from '../../src/repositories/users.js';

/** The password of every seeded user. */
export const SEED_PASSWORD = 'correct horse battery staple';

let seedHash: Promise<string> | undefined;

/**
 * Inserts a user straight through the repository (no procedure call), reusing one argon2 hash of
 * `SEED_PASSWORD` so seeding costs no hashing time.
 */
export async function seedUser(
  db: DatabaseHandle,
  fields: { email: string; role?: Role; isActive?: boolean; firstName?: string },
): Promise<StoredUser> {
  seedHash ??= hashPassword(SEED_PASSWORD);
  const users = new UsersRepository(db.db);
  const row = await users.create(
    { email: fields.email, firstName: fields.firstName ?? null, passwordHash: await seedHash },
    fields.role ?? 'user',
  );
  if (fields.isActive === false) return (await users.update(row.id, { isActive: false })) ?? row;
  return row;
}
