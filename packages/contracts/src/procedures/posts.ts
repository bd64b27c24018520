import { z } from 'zod';
import { defineContract } from '../contract.js';
import { Post, PostCreate, PostListQuery, PostPage, PostRef, PostUpdate } from '../schemas/post.js';

const tags = ['posts'];

/**
 * The posts service's public procedures, served by `apps/posts` under the same names and
 * republished by the gateway under `/api/v1`. Reads are public; writes need a user. Only the
 * author or an admin may update or delete a post: the posts service checks authorship (403),
 * since only it knows who wrote a post.
 */
export const postsContract = defineContract({
  create: {
    type: 'mutation',
    auth: 'user',
    input: PostCreate,
    output: Post,
    rest: {
      method: 'POST',
      path: '/posts',
      successStatus: 201,
      summary: 'Write a post as the caller',
      tags,
      errors: { 400: 'Invalid field', 401: 'Missing or invalid access token' },
      invalidates: ['posts'],
    },
  },
  list: {
    type: 'query',
    auth: 'public',
    input: PostListQuery,
    output: PostPage,
    rest: {
      method: 'GET',
      path: '/posts',
      successStatus: 200,
      summary: 'List posts, newest first',
      tags,
      errors: { 400: 'authorId not a positive integer, limit outside 1..100 or offset < 0' },
      // ≤ 2 s: deleting a user removes their posts later, through events (SPEC: within 5 s), and
      // no gateway write can invalidate that; a longer max age would re-cache them in between.
      cache: { scope: 'public', maxAgeSeconds: 2, tags: ['posts'] },
    },
  },
  byId: {
    type: 'query',
    auth: 'public',
    input: PostRef,
    output: Post,
    rest: {
      method: 'GET',
      path: '/posts/{id}',
      successStatus: 200,
      summary: 'Get a post by id',
      tags,
      errors: { 400: 'id is not a positive integer', 404: 'No post with this id' },
      // ≤ 2 s, as `list`: a deleted user's posts vanish through events, not a gateway write.
      cache: { scope: 'public', maxAgeSeconds: 2, tags: ['posts/{id}'] },
    },
  },
  update: {
    type: 'mutation',
    auth: 'user',
    input: PostUpdate,
    output: Post,
    rest: {
      method: 'PATCH',
      path: '/posts/{id}',
      successStatus: 200,
      summary: 'Edit a post (its author or an admin)',
      tags,
      errors: {
        400: 'Invalid field',
        401: 'Missing or invalid access token',
        403: 'Caller is neither the author nor an admin',
        404: 'No post with this id',
      },
      invalidates: ['posts', 'posts/{id}'],
    },
  },
  delete: {
    type: 'mutation',
    auth: 'user',
    input: PostRef,
    output: z.void(),
    rest: {
      method: 'DELETE',
      path: '/posts/{id}',
      successStatus: 204,
      summary: 'Delete a post (its author or an admin)',
      tags,
      errors: {
        400: 'id is not a positive integer',
        401: 'Missing or invalid access token',
        403: 'Caller is neither the author nor an admin',
        404: 'No post with this id',
      },
      invalidates: ['posts', 'posts/{id}'],
    },
  },
});
export type PostsContract = typeof postsContract;
