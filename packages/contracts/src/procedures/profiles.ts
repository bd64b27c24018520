import { z } from 'zod';
import { defineContract, part } from '../contract.js';
import { Post } from '../schemas/post.js';
import { User, UserId } from '../schemas/user.js';
import { postsContract } from './posts.js';
import { usersContract } from './users.js';

/** Name of the header that lists the optional parts missing from a composed answer (comma-separated). */
export const PARTIAL_HEADER = 'x-basis-partial';

/** How many of the author's newest posts a profile shows. */
export const PROFILE_POSTS = 5;

/** A user's profile: the user, their newest posts (`null` when posts could not be had) and what is missing. */
export const Profile = z
  .object({
    user: User,
    posts: z
      .array(Post)
      .nullable()
      .meta({ description: `The author's ${PROFILE_POSTS} newest posts; null when missing` }),
    partial: z.array(z.string()).meta({ description: 'Names of the optional parts missing from this answer' }),
  })
  .meta({
    id: 'Profile',
    examples: [
      {
        user: {
          id: 1,
          email: 'ada@example.com',
          firstName: 'Ada',
          lastName: 'Lovelace',
          isActive: true,
          role: 'user',
          createdAt: '2026-01-01T12:00:00.000Z',
          updatedAt: '2026-01-01T12:00:00.000Z',
        },
        posts: null,
        partial: ['posts'],
      },
    ],
  });
export type Profile = z.infer<typeof Profile>;

const ProfileRef = z.object({ id: UserId });

/**
 * Procedures the gateway composes from other services' procedures (no service implements them).
 * `byUserId`: `users.byId` (required) and the author's newest posts from `posts.list` (optional),
 * called in parallel.
 */
export const profilesContract = defineContract({
  byUserId: {
    type: 'query',
    auth: 'user',
    input: ProfileRef,
    output: Profile,
    rest: {
      method: 'GET',
      path: '/users/{id}/profile',
      successStatus: 200,
      summary: 'A user with their newest posts',
      description:
        'Composed by the gateway from `GET /users/{id}` and `GET /posts?authorId={id}`, called in parallel. ' +
        'When posts cannot be had (unreachable, slow or broken) the answer is still 200 with `posts: null`, ' +
        '`partial: ["posts"]` and the header `x-basis-partial: posts`. A failure to get the user is the answer.',
      tags: ['users'],
      errors: {
        400: 'id is not a positive integer',
        401: 'Missing or invalid access token',
        404: 'No user with this id',
      },
      headers: {
        [PARTIAL_HEADER]: 'Comma-separated names of the optional parts missing from the answer (e.g. `posts`)',
      },
    },
    compose: {
      user: part(usersContract.byId, {
        input: (input: z.output<typeof ProfileRef>) => ({ id: input.id }),
        required: true,
      }),
      posts: part(postsContract.list, {
        input: (input: z.output<typeof ProfileRef>) => ({ authorId: input.id, limit: PROFILE_POSTS, offset: 0 }),
        output: (page) => page.items,
        required: false,
      }),
    },
  },
});
export type ProfilesContract = typeof profilesContract;
