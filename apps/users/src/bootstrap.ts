import { isUniqueViolation } from '@basis/service-kit';
import { hashPassword } from './auth/passwords.js';
import type { StoredUser, UsersRepository } from './repositories/users.js';

/**
 * Ensures the bootstrap admin exists: creates it when the email is unknown, otherwise makes sure it is
 * an active admin. Idempotent, and safe when several replicas start at once (a lost insert race falls
 * back to the update). An existing user's password is left unchanged.
 * @param users the users repository
 * @param credentials `BOOTSTRAP_ADMIN_EMAIL` (normalised by the env schema) and `BOOTSTRAP_ADMIN_PASSWORD`
 * @returns the admin row and whether this call created it
 */
export async function ensureBootstrapAdmin(
  users: UsersRepository,
  credentials: { email: string; password: string },
): Promise<{ user: StoredUser; created: boolean }> {
  const existing = await users.findByEmail(credentials.email);
  if (!existing) {
    try {
      const passwordHash = await hashPassword(credentials.password);
      return { user: await users.create({ email: credentials.email, passwordHash }, 'admin'), created: true };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
  const current = existing ?? (await users.findByEmail(credentials.email));
  if (!current) throw new Error('bootstrap admin vanished while being created');
  if (current.role === 'admin' && current.isActive) return { user: current, created: false };
  const updated = await users.update(current.id, { role: 'admin', isActive: true });
  if (!updated) throw new Error('bootstrap admin vanished while being updated');
  return { user: updated, created: false };
}
