import { index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * Posts. `author_id` is a users id, but users live in another service's database, so there is no
 * foreign key: a deleted user's posts are removed through user events (SPEC: Events). The index on
 * `(author_id, created_at)` serves `list` filtered by author, newest first.
 */
export const posts = pgTable(
  'posts',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    authorId: integer('author_id').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (table) => [
    index('posts_author_id_created_at_idx').on(table.authorId, table.createdAt),
    index('posts_created_at_idx').on(table.createdAt),
  ],
);

export type PostRow = typeof posts.$inferSelect;

/**
 * Where each event feed this service consumes has got to: the id of the last event applied, written
 * in the same transaction as the event's effect, so a restart resumes exactly after it.
 */
export const consumerCursors = pgTable('consumer_cursors', {
  feed: text('feed').primaryKey(),
  position: integer('position').notNull(),
});
