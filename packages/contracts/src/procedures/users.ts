import { z } from 'zod';
import { defineContract } from '../contract.js';
import {
  User,
  UserAdminUpdate,
  UserCreate,
  UserListQuery,
  UserPage,
  UserRef,
  UserSelfUpdate,
} from '../schemas/user.js';

const tags = ['users'];

/**
 * The users service's public procedures. Each is served by `apps/users` under the same
 * name and republished by the gateway at `rest.path` under `/api/v1`.
 * `me` and `updateMe` act on the caller named by the service token.
 */
export const usersContract = defineContract({
  create: {
    type: 'mutation',
    auth: 'public',
    input: UserCreate,
    output: User,
    rest: {
      method: 'POST',
      path: '/users',
      successStatus: 201,
      summary: 'Register a user',
      tags,
      errors: { 400: 'Invalid email, or password not 8..128 characters', 409: 'Email already registered' },
    },
  },
  list: {
    type: 'query',
    auth: 'user',
    input: UserListQuery,
    output: UserPage,
    rest: {
      method: 'GET',
      path: '/users',
      successStatus: 200,
      summary: 'List users, newest last',
      tags,
      errors: { 400: 'limit outside 1..100 or offset < 0', 401: 'Missing or invalid access token' },
    },
  },
  me: {
    type: 'query',
    auth: 'user',
    input: z.void(),
    output: User,
    rest: {
      method: 'GET',
      path: '/users/me',
      successStatus: 200,
      summary: 'The caller’s own user',
      tags,
      errors: { 401: 'Missing or invalid access token' },
      cache: { scope: 'private', maxAgeSeconds: 60, tags: ['users/{caller}'] },
    },
  },
  updateMe: {
    type: 'mutation',
    auth: 'user',
    input: UserSelfUpdate,
    output: User,
    rest: {
      method: 'PATCH',
      path: '/users/me',
      successStatus: 200,
      summary: 'Update the caller’s own user',
      description: 'A new password revokes every other refresh session of the user.',
      tags,
      errors: { 400: 'Invalid field', 401: 'Missing or invalid access token', 409: 'Email already registered' },
      invalidates: ['users/{caller}'],
    },
  },
  byId: {
    type: 'query',
    auth: 'user',
    input: UserRef,
    output: User,
    rest: {
      method: 'GET',
      path: '/users/{id}',
      successStatus: 200,
      summary: 'Get a user by id',
      tags,
      errors: {
        400: 'id is not a positive integer',
        401: 'Missing or invalid access token',
        404: 'No user with this id',
      },
      cache: { scope: 'private', maxAgeSeconds: 60, tags: ['users/{id}'] },
    },
  },
  update: {
    type: 'mutation',
    auth: 'admin',
    input: UserAdminUpdate,
    output: User,
    rest: {
      method: 'PATCH',
      path: '/users/{id}',
      successStatus: 200,
      summary: 'Update any user (admin)',
      description: 'A new password, deactivation or role change revokes every refresh session of the user.',
      tags,
      errors: {
        400: 'Invalid field',
        401: 'Missing or invalid access token',
        403: 'Caller is not an admin',
        404: 'No user with this id',
        409: 'Email already registered, or the change would demote or deactivate the last active admin',
      },
      invalidates: ['users/{id}'],
    },
  },
  delete: {
    type: 'mutation',
    auth: 'selfOrAdmin',
    input: UserRef,
    output: z.void(),
    rest: {
      method: 'DELETE',
      path: '/users/{id}',
      successStatus: 204,
      summary: 'Delete a user (admin, or the user themself)',
      tags,
      errors: {
        400: 'id is not a positive integer',
        401: 'Missing or invalid access token',
        403: 'Caller is neither an admin nor this user',
        404: 'No user with this id',
        409: 'The user is the last active admin',
      },
      // The user's posts go too (through the users events): lists of posts are dropped now.
      invalidates: ['users/{id}', 'posts'],
    },
  },
});
export type UsersContract = typeof usersContract;
