/** One entry a replica loaded itself: its answer (deep-frozen), when it stops being fresh, and its tags. */
export interface HotEntry {
  value: unknown;
  /** Epoch milliseconds; never later than the store's own expiry of the entry. */
  expiresAt: number;
  tags: readonly string[];
}

/**
 * The entries a replica loaded itself, by cache key, served without asking the store (bentocache)
 * while fresh: a hit costs a map lookup instead of the store's per-read machinery (options object,
 * lock, tag checks, entry deserialization). It only ever holds what the store holds: each entry is
 * put right after this replica loaded and stored it, expires no later than the store's copy, and is
 * dropped whenever the store's copy could have changed: a tag invalidated here or on another replica
 * ({@link HotEntries.dropTag}), a key rewritten or deleted elsewhere ({@link HotEntries.drop}),
 * everything on a clear. {@link HotEntries.epoch} counts those drops, so a load that was in flight
 * during one is not put (its answer may predate the invalidation).
 * Bounded: past `maxEntries` the oldest entry is dropped (the store serves that key until this
 * replica loads it again).
 */
export class HotEntries {
  readonly #entries = new Map<string, HotEntry>();
  readonly #keysByTag = new Map<string, Set<string>>();
  readonly #maxEntries: number;
  #epoch = 0;

  /** @param maxEntries the most entries held */
  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  /** Increases with every drop: compare the value before and after a load. */
  get epoch(): number {
    return this.#epoch;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * The fresh entry of `key`, or `undefined` (an expired one is dropped).
   * @param now epoch milliseconds
   */
  get(key: string, now: number): HotEntry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > now) return entry;
    this.#remove(key, entry);
    return undefined;
  }

  /**
   * Holds `entry` under `key`, unless an invalidation happened since `epoch` (read before its load began).
   * @returns whether it was put
   */
  put(key: string, entry: HotEntry, epoch: number): boolean {
    if (epoch !== this.#epoch) return false;
    const previous = this.#entries.get(key);
    if (previous) this.#remove(key, previous);
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.entries().next();
      if (!oldest.done) this.#remove(...oldest.value);
    }
    this.#entries.set(key, entry);
    for (const tag of entry.tags) {
      const keys = this.#keysByTag.get(tag);
      if (keys) keys.add(key);
      else this.#keysByTag.set(tag, new Set([key]));
    }
    return true;
  }

  /** Drops the entry of `key`, if any (its store copy was rewritten, expired or deleted). */
  drop(key: string): void {
    this.#epoch += 1;
    const entry = this.#entries.get(key);
    if (entry) this.#remove(key, entry);
  }

  /** Drops every entry tagged `tag` (it was invalidated). */
  dropTag(tag: string): void {
    this.#epoch += 1;
    const keys = this.#keysByTag.get(tag);
    if (!keys) return;
    for (const key of [...keys]) {
      const entry = this.#entries.get(key);
      if (entry) this.#remove(key, entry);
    }
  }

  /** Drops every entry. */
  clear(): void {
    this.#epoch += 1;
    this.#entries.clear();
    this.#keysByTag.clear();
  }

  #remove(key: string, entry: HotEntry): void {
    this.#entries.delete(key);
    for (const tag of entry.tags) {
      const keys = this.#keysByTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.#keysByTag.delete(tag);
    }
  }
}

/**
 * Freezes `value` and everything reachable from it, so one cached answer can be shared by every
 * request that reads it (and anything derived from it memoized) without a reader changing it.
 * @returns `value`
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const inner of Object.values(value)) deepFreeze(inner);
  return value;
}
