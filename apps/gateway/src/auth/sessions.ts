import type { Actor } from '@basis/contracts';

/** The live actor of a session, as the users service has it now, or `null` when the session no longer counts. */
export type LiveActor = Required<Actor> | null;

/** Checks an access token's session, cached per session for a short while. */
export interface SessionVerifier {
  /**
   * The live actor of the token's session (current role), or `null` when it was revoked, expired,
   * or its user deactivated or deleted. Concurrent checks of one session make one lookup.
   * @param actor what the verified access token claims (`id`, `role`, `sessionId`)
   * @throws what the lookup throws (an UpstreamFailure: 503/504/502) — callers fail closed
   */
  verify(actor: Required<Actor>, requestId: string): Promise<LiveActor>;
}

/** Settings of {@link createSessionVerifier}. */
export interface SessionVerifierOptions {
  /** Asks the session authority (users' `internal.sessionActor`) for a session's live actor. */
  lookup(actor: Required<Actor>, requestId: string): Promise<LiveActor>;
  /** How long an answer is reused, in milliseconds; 2000 by default (SPEC allows 5 s for a revocation to count). */
  ttlMs?: number;
  /** Entries kept before expired ones are swept; 50 000 by default. */
  maxEntries?: number;
}

interface Entry {
  expiresAt: number;
  result: Promise<LiveActor>;
}

/**
 * A {@link SessionVerifier} with a per-process cache keyed by session and user: each answer is
 * reused for `ttlMs` (single-flight: the first check's promise is shared), so a logout, password
 * change, deactivation or deletion counts on every route of every service within `ttlMs` plus one
 * lookup, on every replica alike, with one upstream call per session per `ttlMs` at most. A failed
 * lookup is not cached.
 */
export function createSessionVerifier(options: SessionVerifierOptions): SessionVerifier {
  const ttlMs = options.ttlMs ?? 2000;
  const maxEntries = options.maxEntries ?? 50_000;
  const cache = new Map<string, Entry>();

  const sweep = (now: number) => {
    for (const [key, entry] of cache) if (entry.expiresAt <= now) cache.delete(key);
    // Still full of live entries: drop the oldest (Map keeps insertion order).
    for (const key of cache.keys()) {
      if (cache.size < maxEntries) break;
      cache.delete(key);
    }
  };

  return {
    verify(actor, requestId) {
      const key = `${actor.sessionId}\u0000${actor.id}`;
      const now = Date.now();
      const cached = cache.get(key);
      if (cached && cached.expiresAt > now) return cached.result;
      if (cache.size >= maxEntries) sweep(now);
      const result = options.lookup(actor, requestId);
      const entry: Entry = { expiresAt: now + ttlMs, result };
      cache.set(key, entry);
      result.catch(() => {
        if (cache.get(key) === entry) cache.delete(key);
      });
      return result;
    },
  };
}
