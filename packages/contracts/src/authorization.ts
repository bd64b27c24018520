import type { AuthLevel } from './contract.js';
import type { Actor } from './schemas/auth.js';

/** Outcome of an authorization check: `unauthenticated` maps to 401, `forbidden` to 403. */
export type AuthorizationResult = 'allow' | 'unauthenticated' | 'forbidden';

/**
 * Applies a contract's {@link AuthLevel} to a caller. The one rule both the gateway
 * (which enforces it) and the users service (which re-checks it) use.
 * @param level the procedure's auth level
 * @param actor the authenticated caller, or `null` for an anonymous one
 * @param input the procedure input; for `selfOrAdmin` its numeric `id` names the target user
 * @returns `allow`, `unauthenticated` (no caller where one is needed) or `forbidden`
 */
export function authorize(level: AuthLevel, actor: Actor | null, input: unknown): AuthorizationResult {
  if (level === 'public') return 'allow';
  if (actor === null) return 'unauthenticated';
  switch (level) {
    case 'user':
      return 'allow';
    case 'admin':
      return actor.role === 'admin' ? 'allow' : 'forbidden';
    case 'selfOrAdmin': {
      if (actor.role === 'admin') return 'allow';
      const id = typeof input === 'object' && input !== null ? (input as { id?: unknown }).id : undefined;
      return id === actor.id ? 'allow' : 'forbidden';
    }
  }
}
