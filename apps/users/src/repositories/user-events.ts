import type { UserEvent } from '@basis/contracts';
import { asc, gt, max, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { type UserEventRow, userEvents } from '../db/schema.js';

/**
 * The advisory lock every transaction that appends an event takes first (`pg_advisory_xact_lock`,
 * released at commit). Without it, two transactions could draw ids 5 and 6 and commit 6 first: a
 * consumer reading `id > 4` then sees 6, stores cursor 6, and skips 5 forever. With it, an id is drawn
 * only by the lock holder and the lock is released after the commit is visible, so ids become visible
 * in increasing order. Appends are serialised; deletions themselves are not (the lock is taken last).
 */
export const USER_EVENTS_LOCK = 0x62617369; // "basi"

/** An event as the feed returns it. */
export function toUserEvent(row: UserEventRow): UserEvent {
  return { id: row.id, type: row.type, userId: row.userId, occurredAt: row.occurredAt.toISOString() };
}

/**
 * Appends an event inside the caller's transaction, after taking {@link USER_EVENTS_LOCK}.
 * @param tx the transaction that makes the change the event records (never the bare database: the
 *   lock would be released before the change commits)
 * @param event `{ type, userId }`
 */
export async function appendUserEvent(tx: Database, event: Pick<UserEvent, 'type' | 'userId'>): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${USER_EVENTS_LOCK})`);
  await tx.insert(userEvents).values(event);
}

/** Reads the users outbox. Works on PGlite and postgres.js alike. */
export class UserEventsRepository {
  constructor(private readonly db: Database) {}

  /**
   * The events after a cursor, oldest first.
   * @param after the last id the consumer applied (0 for none)
   * @param limit at most this many (1..500, bounded by the contract)
   */
  async after(after: number, limit: number): Promise<UserEvent[]> {
    const rows = await this.db
      .select()
      .from(userEvents)
      .where(gt(userEvents.id, after))
      .orderBy(asc(userEvents.id))
      .limit(limit);
    return rows.map(toUserEvent);
  }

  /** The id of the newest event (0 when there is none): how far a consumer's cursor must reach. */
  async lastId(): Promise<number> {
    const [row] = await this.db.select({ last: max(userEvents.id) }).from(userEvents);
    return row?.last ?? 0;
  }
}
