import { LRUCache } from 'lru-cache';
import type { SessionActor } from '../repositories/sessions.js';

/**
 * How long a live session's actor is reused, in milliseconds. A change made through this process (a
 * logout, a revocation, a role or activity change, a deletion) forgets every answer at once; one made
 * elsewhere (another replica, a direct database change) counts within this bound plus one lookup, well
 * inside SPEC's 5 s (the gateway's own session check reuses its answer for 2 s).
 */
export const ACTOR_CACHE_TTL_MS = 1000;

/** Sessions remembered at most; the least recently used one is dropped past this. */
export const ACTOR_CACHE_MAX_ENTRIES = 10_000;

/** Live actors by session, reused for a short while so an authenticated read costs one query, not two. */
export interface ActorCache {
  /**
   * The live actor of a session: a fresh remembered answer, else `lookup()`'s, shared by concurrent
   * callers of the same session (one lookup). Only live actors are remembered; a refusal or a failed
   * lookup is asked again next time.
   * @param sessionId the credential's `sid`; @param userId its `sub`
   * @param lookup the database check (`SessionsRepository.findActor`)
   * @throws what `lookup` throws
   */
  resolve(
    sessionId: string,
    userId: number,
    lookup: () => Promise<SessionActor | undefined>,
  ): Promise<SessionActor | undefined>;
  /** Forgets every answer: after any write that can end a session or change a user's role or activity. */
  clear(): void;
}

/**
 * An {@link ActorCache} on lru-cache (bounded, per-entry TTL), holding the lookup's promise so concurrent
 * checks of one session share it. `clear()` drops in-flight lookups too: a lookup that began before a
 * revocation still answers its own callers (their calls began before it), but is never remembered.
 * @param options.ttlMs reuse time in milliseconds, {@link ACTOR_CACHE_TTL_MS} by default; 0 turns caching off
 * @param options.maxEntries {@link ACTOR_CACHE_MAX_ENTRIES} by default
 */
export function createActorCache(options: { ttlMs?: number; maxEntries?: number } = {}): ActorCache {
  const ttl = options.ttlMs ?? ACTOR_CACHE_TTL_MS;
  if (ttl <= 0) return { resolve: (_sessionId, _userId, lookup) => lookup(), clear: () => {} };
  const cache = new LRUCache<string, Promise<SessionActor | undefined>>({
    max: options.maxEntries ?? ACTOR_CACHE_MAX_ENTRIES,
    ttl,
  });
  return {
    resolve(sessionId, userId, lookup) {
      const key = `${sessionId}\u0000${userId}`;
      const cached = cache.get(key);
      if (cached !== undefined) return cached;
      const answer = lookup();
      cache.set(key, answer);
      const forget = () => {
        if (cache.peek(key) === answer) cache.delete(key);
      };
      answer.then((actor) => actor === undefined && forget(), forget);
      return answer;
    },
    clear: () => cache.clear(),
  };
}
