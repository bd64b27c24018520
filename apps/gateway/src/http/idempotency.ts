import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import { stableKey } from '../cache/response-cache.js';

/** The request header naming a retry-safe POST. @see draft-ietf-httpapi-idempotency-key-header */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** How long a completed POST's answer is replayed for its key: 24 hours, in milliseconds. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** Records kept in memory (without Redis, or while it fails), the oldest dropped first. */
const MAX_MEMORY_RECORDS = 100_000;

/** How long a key stays reserved by a POST still running (a replica that died frees it after this), in ms. */
const PENDING_TTL_MS = 60_000;

/** A stored answer, replayed for a retry with the same key, caller and body. */
export interface StoredAnswer {
  status: number;
  /** The body as sent (empty for 204). */
  body: string;
  headers: Record<string, string>;
}

interface IdempotencyRecord {
  fingerprint: string;
  answer?: StoredAnswer;
}

/** What to do with a POST that carries an `Idempotency-Key`. */
export type IdempotencyDecision =
  | { kind: 'proceed'; finish(answer: StoredAnswer): Promise<void> }
  | { kind: 'replay'; answer: StoredAnswer }
  /** The first request with this key is still running: 409. */
  | { kind: 'in-flight' }
  /** The key was used with another body: 422. */
  | { kind: 'mismatch' }
  /** The header is not a key (empty, over 255 characters): 400. */
  | { kind: 'invalid' };

/** Remembers POST answers by `Idempotency-Key`. */
export interface IdempotencyStore {
  /**
   * Reserves `key` for this caller and body, or says why not.
   * @param header the `Idempotency-Key` value: an RFC 8941 string (`"abc"`) or a bare token
   * @param scope the route and the caller (`POST /posts|7`): one key means one thing per caller and route
   * @param input the request's input, whose fingerprint must match a replay's
   */
  begin(header: string, scope: string, input: unknown): Promise<IdempotencyDecision>;
}

/** Settings of {@link createIdempotencyStore}. */
export interface IdempotencyOptions {
  /** Shared by every replica; in memory when absent, or while it fails. */
  redis?: Redis;
  log: FastifyBaseLogger;
  onRedisError?(): void;
}

/** The key inside an `Idempotency-Key` value: the string of `"…"`, or the value itself; `null` when unusable. */
export function parseIdempotencyKey(header: string): string | null {
  const trimmed = header.trim();
  const key = /^"(.*)"$/.test(trimmed) ? trimmed.slice(1, -1) : trimmed;
  return key.length > 0 && key.length <= 255 && /^[\x20-\x7e]+$/.test(key) ? key : null;
}

/**
 * Creates the idempotency store: the first POST with a key reserves it (Redis `SET NX`, or a Map),
 * runs, and stores its answer for 24 h; a retry with the same key, caller and body gets that answer
 * again; the same key with another body is a 422; a retry while the first still runs is a 409.
 * Answers of 5xx, 401 and 429 are not stored (the key is freed, so the client may retry).
 * @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/
 */
export function createIdempotencyStore(options: IdempotencyOptions): IdempotencyStore {
  const memory = new Map<string, { record: IdempotencyRecord; expiresAt: number }>();
  const { redis, log } = options;

  /** Keeps a record in memory, at most {@link MAX_MEMORY_RECORDS}: expired ones go first, then the oldest. */
  const remember = (key: string, record: IdempotencyRecord, ttlMs: number) => {
    const now = Date.now();
    if (memory.size >= MAX_MEMORY_RECORDS) {
      for (const [k, v] of memory) if (v.expiresAt <= now) memory.delete(k);
      for (const k of memory.keys()) {
        if (memory.size < MAX_MEMORY_RECORDS) break;
        memory.delete(k);
      }
    }
    memory.delete(key);
    memory.set(key, { record, expiresAt: now + ttlMs });
  };
  const memoryReserve = (key: string, record: IdempotencyRecord): IdempotencyRecord | null => {
    const now = Date.now();
    const found = memory.get(key);
    if (found && found.expiresAt > now) return found.record;
    remember(key, record, PENDING_TTL_MS);
    return null;
  };
  const failed = (error: unknown) => {
    options.onRedisError?.();
    log.warn({ err: error }, 'idempotency: redis failed, keeping this key in memory');
  };

  async function reserve(key: string, record: IdempotencyRecord): Promise<IdempotencyRecord | null> {
    if (!redis) return memoryReserve(key, record);
    try {
      const set = await redis.set(key, JSON.stringify(record), 'PX', PENDING_TTL_MS, 'NX');
      if (set === 'OK') return null;
      const found = await redis.get(key);
      return found === null ? reserve(key, record) : (JSON.parse(found) as IdempotencyRecord);
    } catch (error) {
      failed(error);
      return memoryReserve(key, record);
    }
  }

  async function store(key: string, record: IdempotencyRecord | null): Promise<void> {
    const inMemory = () => {
      if (record === null) memory.delete(key);
      else remember(key, record, IDEMPOTENCY_TTL_MS);
    };
    if (!redis) return inMemory();
    // A key reserved in memory while Redis was down is finished there too.
    if (memory.has(key)) inMemory();
    try {
      if (record === null) await redis.del(key);
      else await redis.set(key, JSON.stringify(record), 'PX', IDEMPOTENCY_TTL_MS);
    } catch (error) {
      failed(error);
      inMemory();
    }
  }

  return {
    async begin(header, scope, input) {
      const parsed = parseIdempotencyKey(header);
      if (parsed === null) return { kind: 'invalid' };
      const key = `basis-gateway-idem:${createHash('sha256').update(`${scope}\u0000${parsed}`).digest('base64url')}`;
      const fingerprint = createHash('sha256').update(stableKey(input)).digest('base64url');
      const found = await reserve(key, { fingerprint });
      if (found === null) {
        return {
          kind: 'proceed',
          async finish(answer) {
            const keep = answer.status < 500 && answer.status !== 401 && answer.status !== 429;
            await store(key, keep ? { fingerprint, answer } : null);
          },
        };
      }
      if (found.fingerprint !== fingerprint) return { kind: 'mismatch' };
      return found.answer ? { kind: 'replay', answer: found.answer } : { kind: 'in-flight' };
    },
  };
}
