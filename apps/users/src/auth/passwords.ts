import { randomBytes } from 'node:crypto';
import { hash, type Options, verify } from '@node-rs/argon2';

/**
 * argon2id parameters (the library's default algorithm is argon2id): 19 MiB, 2 passes, 1 lane.
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id
 */
const ARGON2_OPTIONS: Options = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * A hash of a random password, computed once at import, that unknown emails are verified against so
 * they cost the same hashing work as a wrong password.
 */
const dummyHash: Promise<string> = hash(randomBytes(32).toString('base64url'), ARGON2_OPTIONS);

/**
 * Hashes a password with argon2id on the libuv thread pool.
 * @param password the plaintext, 8..128 characters by contract
 * @returns a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`)
 */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/**
 * Checks a password against a stored hash, or, when there is no stored hash (unknown email), against a
 * dummy one so the caller spends the same time either way.
 * @param passwordHash the stored PHC string, or `null` when there is no such user
 * @param password the plaintext to check
 * @returns `true` only for a stored hash that matches; always `false` for `null`
 */
export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (passwordHash === null) {
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}
