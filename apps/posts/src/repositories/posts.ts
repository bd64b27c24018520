import type { Post, PostCreate, PostPage } from '@basis/contracts';
import { count, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { type PostRow, posts } from '../db/schema.js';

/**
 * Maps a stored row to the public `Post` (contract shape), dates as ISO 8601 strings.
 * @param row a `posts` row
 */
export function toPost(row: PostRow): Post {
  return {
    id: row.id,
    authorId: row.authorId,
    title: row.title,
    body: row.body,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Columns an update may set; omitted fields are left alone. */
export interface PostChanges {
  title?: string | undefined;
  body?: string | undefined;
}

/** Data access for the `posts` table. Works on PGlite and postgres.js alike; driver errors propagate. */
export class PostsRepository {
  constructor(private readonly db: Database) {}

  /**
   * Inserts a post.
   * @param authorId the caller's user id
   * @param input the contract's create input (title already trimmed)
   * @returns the stored row
   */
  async create(authorId: number, input: PostCreate): Promise<PostRow> {
    const [row] = await this.db.insert(posts).values({ authorId, title: input.title, body: input.body }).returning();
    if (!row) throw new Error('insert returned no row');
    return row;
  }

  /** The post with this id, or `undefined`. */
  async findById(id: number): Promise<PostRow | undefined> {
    const [row] = await this.db.select().from(posts).where(eq(posts.id, id)).limit(1);
    return row;
  }

  /**
   * One page of posts, newest first (`created_at desc, id desc`), optionally by one author, with the
   * total across all pages.
   * @param query `authorId` (optional), `limit` 1..100, `offset` ≥ 0 (the contract bounds them)
   */
  async list(query: { authorId?: number | undefined; limit: number; offset: number }): Promise<PostPage> {
    const where = query.authorId === undefined ? undefined : eq(posts.authorId, query.authorId);
    const [rows, [counted]] = await Promise.all([
      this.db
        .select()
        .from(posts)
        .where(where)
        .orderBy(desc(posts.createdAt), desc(posts.id))
        .limit(query.limit)
        .offset(query.offset),
      this.db.select({ total: count() }).from(posts).where(where),
    ]);
    return { items: rows.map(toPost), total: counted?.total ?? 0, limit: query.limit, offset: query.offset };
  }

  /**
   * Updates the given fields and `updated_at`.
   * @returns the updated row, or `undefined` when the post does not exist
   */
  async update(id: number, changes: PostChanges): Promise<PostRow | undefined> {
    const fields = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    const [row] = await this.db
      .update(posts)
      .set({ ...fields, updatedAt: sql`now()` })
      .where(eq(posts.id, id))
      .returning();
    return row;
  }

  /** Deletes a post; returns whether it existed. */
  async delete(id: number): Promise<boolean> {
    const rows = await this.db.delete(posts).where(eq(posts.id, id)).returning({ id: posts.id });
    return rows.length > 0;
  }
}
