import { describe, expect, it } from 'vitest';
import { type AuthorizationResult, authorize } from './authorization.js';
import type { AuthLevel } from './contract.js';
import type { Actor } from './schemas/auth.js';

const anonymous = null;
const user: Actor = { id: 2, role: 'user' };
const admin: Actor = { id: 1, role: 'admin' };

/** [level, caller, input, expected] — every level against every kind of caller. */
const table: Array<[AuthLevel, string, Actor | null, unknown, AuthorizationResult]> = [
  ['public', 'anonymous', anonymous, undefined, 'allow'],
  ['public', 'user', user, undefined, 'allow'],
  ['public', 'admin', admin, undefined, 'allow'],
  ['user', 'anonymous', anonymous, undefined, 'unauthenticated'],
  ['user', 'user', user, undefined, 'allow'],
  ['user', 'admin', admin, undefined, 'allow'],
  ['admin', 'anonymous', anonymous, undefined, 'unauthenticated'],
  ['admin', 'user', user, undefined, 'forbidden'],
  ['admin', 'admin', admin, undefined, 'allow'],
  ['selfOrAdmin', 'anonymous', anonymous, { id: 2 }, 'unauthenticated'],
  ['selfOrAdmin', 'the user themself', user, { id: 2 }, 'allow'],
  ['selfOrAdmin', 'another user', user, { id: 3 }, 'forbidden'],
  ['selfOrAdmin', 'an admin, for someone else', admin, { id: 2 }, 'allow'],
  ['selfOrAdmin', 'a user, with the id as a string', user, { id: '2' }, 'forbidden'],
  ['selfOrAdmin', 'a user, with no input', user, undefined, 'forbidden'],
  ['selfOrAdmin', 'a user, with a null input', user, null, 'forbidden'],
];

describe('authorize', () => {
  it.each(table)('%s called by %s → %s', (level, _caller, actor, input, expected) => {
    expect(authorize(level, actor, input)).toBe(expected);
  });
});
