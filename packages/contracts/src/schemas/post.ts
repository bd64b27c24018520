import { z } from 'zod';
import { MAX_USER_ID, UserId } from './user.js';

/** Largest post id: `posts.id` is a PostgreSQL `integer` (int4). */
export const MAX_POST_ID = MAX_USER_ID;

/** A post's database id: an integer in 1..{@link MAX_POST_ID}. */
export const PostId = z
  .number()
  .int()
  .positive()
  .max(MAX_POST_ID, { error: `Post id must be at most ${MAX_POST_ID}` })
  .meta({ description: `Post id, 1..${MAX_POST_ID}`, example: 1 });
export type PostId = z.infer<typeof PostId>;

/** NUL cannot be stored in PostgreSQL text (SQLSTATE 22021); other control characters are fine in a body. */

/** A post title: 1 to 200 characters after trimming, no control characters. */
export const PostTitle = z
  .string()
  .trim()
  .min(1, { error: 'Title must not be empty' })
  .max(200, { error: 'Title must be at most 200 characters' })
  .refine((value) => !/\p{Cc}/u.test(value), { error: 'Title must not contain control characters' })
  .meta({ example: 'Notes on the Analytical Engine' });

/** A post body: 1 to 20000 characters, no NUL. */
export const PostBody = z
  .string()
  .min(1, { error: 'Body must not be empty' })
  .max(20_000, { error: 'Body must be at most 20000 characters' })
  .refine((value) => !value.includes('\u0000'), { error: 'Body must not contain NUL characters' })
  .meta({ example: 'It might act upon other things besides number.' });

/** The public view of a post. */
export const Post = z
  .object({
    id: PostId,
    authorId: UserId,
    title: z.string(),
    body: z.string(),
    createdAt: z.iso.datetime({ offset: true }).meta({ description: 'ISO 8601 timestamp' }),
    updatedAt: z.iso.datetime({ offset: true }).meta({ description: 'ISO 8601 timestamp' }),
  })
  .meta({
    id: 'Post',
    examples: [
      {
        id: 1,
        authorId: 1,
        title: 'Notes on the Analytical Engine',
        body: 'It might act upon other things besides number.',
        createdAt: '2026-01-01T12:00:00.000Z',
        updatedAt: '2026-01-01T12:00:00.000Z',
      },
    ],
  });
export type Post = z.infer<typeof Post>;

/** Body of `POST /posts`; the author is the caller. */
export const PostCreate = z
  .object({ title: PostTitle, body: PostBody })
  .meta({ id: 'PostCreate', examples: [{ title: 'Notes', body: 'It might act upon other things besides number.' }] });
export type PostCreate = z.infer<typeof PostCreate>;

/** Body of `PATCH /posts/{id}` with the id from the path. */
export const PostUpdate = z
  .object({ id: PostId, title: PostTitle.optional(), body: PostBody.optional() })
  .meta({ id: 'PostUpdate', examples: [{ id: 1, title: 'Notes, revised' }] });
export type PostUpdate = z.infer<typeof PostUpdate>;

/** Input naming one post by id (`/posts/{id}`). */
export const PostRef = z.object({ id: PostId });
export type PostRef = z.infer<typeof PostRef>;

/** Page request for `GET /posts`: optional `authorId`, `limit` 1..100 (default 20), `offset` ≥ 0 (default 0). */
export const PostListQuery = z.object({
  authorId: UserId.optional().meta({ description: 'Only posts by this user' }),
  limit: z.number().int().min(1).max(100).default(20).meta({ description: 'Page size, 1..100' }),
  offset: z.number().int().min(0).default(0).meta({ description: 'Rows to skip' }),
});
export type PostListQuery = z.infer<typeof PostListQuery>;

/** One page of posts, newest first, with the total count across all pages. */
export const PostPage = z
  .object({
    items: z.array(Post),
    total: z.number().int().min(0),
    limit: z.number().int(),
    offset: z.number().int(),
  })
  .meta({ id: 'PostPage' });
export type PostPage = z.infer<typeof PostPage>;
