import { z } from 'zod';
import { defineContract } from '../contract.js';
import { Credentials, RefreshRequest, TokenResponse } from '../schemas/auth.js';

const tags = ['auth'];

/**
 * The gateway's own auth procedures (OAuth 2.0 style token endpoints). They are
 * implemented by the gateway on top of the users service's internal procedures.
 * @see RFC 6749 §5 (token response), §6 (refreshing), RFC 7009 (revocation, for logout)
 */
export const authContract = defineContract({
  access: {
    type: 'mutation',
    auth: 'public',
    input: Credentials,
    output: TokenResponse,
    rest: {
      method: 'POST',
      path: '/auth/access',
      successStatus: 200,
      summary: 'Log in: exchange email and password for an access and a refresh token',
      tags,
      errors: {
        400: 'Invalid body',
        401: 'Wrong email or password',
        403: 'User is inactive',
        429: 'Too many attempts',
      },
    },
  },
  refresh: {
    type: 'mutation',
    auth: 'public',
    input: RefreshRequest,
    output: TokenResponse,
    rest: {
      method: 'POST',
      path: '/auth/refresh',
      successStatus: 200,
      summary: 'Exchange a refresh token for a new pair (the old refresh token stops working after the reuse interval)',
      description: 'Presenting an already-rotated refresh token revokes its whole session.',
      tags,
      errors: {
        400: 'Invalid body',
        401: 'Refresh token invalid, expired, revoked or reused',
        429: 'Too many attempts',
      },
    },
  },
  logout: {
    type: 'mutation',
    auth: 'public',
    input: RefreshRequest,
    output: z.void(),
    rest: {
      method: 'POST',
      path: '/auth/logout',
      successStatus: 204,
      summary: 'Revoke a refresh token’s session (idempotent)',
      tags,
      errors: { 400: 'Invalid body' },
    },
  },
});
export type AuthContract = typeof authContract;
