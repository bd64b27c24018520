import type { UserEvent } from '@basis/contracts';
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { consumerCursors, posts } from '../db/schema.js';

/** The `consumer_cursors.feed` of the users event feed. */
export const USERS_FEED = 'users';

/**
 * Applies user events to posts' own database. Each page is applied in one transaction that locks the
 * cursor row, skips events at or below the cursor, applies the rest, and moves the cursor: the effect
 * and the cursor commit together, so a crash before the commit re-reads the page and a crash after it
 * never re-applies it, and replicas polling at once apply each event once (the second waits on the lock,
 * then skips). Applying `user.deleted` twice would also be harmless (deleting nothing).
 */
export class UserEventsConsumer {
  constructor(private readonly db: Database) {}

  /** The id of the last event applied (0 before the first). */
  async cursor(): Promise<number> {
    const [row] = await this.db.select().from(consumerCursors).where(eq(consumerCursors.feed, USERS_FEED));
    return row?.position ?? 0;
  }

  /**
   * Applies a page of events, oldest first (`user.deleted`: delete every post of that author).
   * @param events a page of the users feed, in id order
   * @returns the cursor after the page, and how many posts were deleted
   */
  async apply(events: readonly UserEvent[]): Promise<{ cursor: number; deletedPosts: number }> {
    return this.db.transaction(async (tx) => {
      await tx.insert(consumerCursors).values({ feed: USERS_FEED, position: 0 }).onConflictDoNothing();
      const [row] = await tx.select().from(consumerCursors).where(eq(consumerCursors.feed, USERS_FEED)).for('update');
      let cursor = row?.position ?? 0;
      let deletedPosts = 0;
      for (const event of events) {
        if (event.id <= cursor) continue;
        if (event.type === 'user.deleted') {
          const gone = await tx.delete(posts).where(eq(posts.authorId, event.userId)).returning({ id: posts.id });
          deletedPosts += gone.length;
        }
        cursor = event.id;
      }
      await tx.update(consumerCursors).set({ position: cursor }).where(eq(consumerCursors.feed, USERS_FEED));
      return { cursor, deletedPosts };
    });
  }
}
