import { User, UserAdminUpdate, UserId, UserListQuery, UserPage, UserRef } from '@basis/contracts';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { pathParameters, restInput } from '../../src/routers/rest-input.js';

const rest = { successStatus: 200 as const, summary: 's', tags: [] as string[], errors: {} };

describe('restInput', () => {
  it('coerces path parameters on a copy, leaving the shared contract schemas untouched', () => {
    const schema = restInput({
      type: 'query',
      auth: 'user',
      input: UserRef,
      output: User,
      rest: { ...rest, method: 'GET', path: '/users/{id}' },
    }) as z.ZodObject;
    expect(schema.parse({ id: '7' })).toEqual({ id: 7 });
    expect(UserId._zod.def).not.toHaveProperty('coerce', true);
    expect(UserRef.safeParse({ id: '7' }).success).toBe(false);
  });

  it('keeps JSON types for body fields while coercing the path id', () => {
    const schema = restInput({
      type: 'mutation',
      auth: 'admin',
      input: UserAdminUpdate,
      output: User,
      rest: { ...rest, method: 'PATCH', path: '/users/{id}' },
    }) as z.ZodObject;
    expect(schema.parse({ id: '3', isActive: false })).toEqual({ id: 3, isActive: false });
    expect(schema.safeParse({ id: '3', isActive: 'false' }).success).toBe(false);
    expect(schema.parse({ id: '3' })).toEqual({ id: 3 });
  });

  it('accepts only decimal digits for an integer path parameter: not 1e2, 0x10, 01, " 1"', () => {
    const schema = restInput({
      type: 'query',
      auth: 'user',
      input: UserRef,
      output: User,
      rest: { ...rest, method: 'GET', path: '/users/{id}' },
    }) as z.ZodObject;
    for (const id of ['1e2', '0x10', '01', ' 1', '1 ', '+1', '1.0', '', '0']) {
      const result = schema.safeParse({ id });
      expect(result.success, JSON.stringify(id)).toBe(false);
      expect(result.error?.issues.map((issue) => issue.path)).toEqual([['id']]);
    }
    expect(schema.parse({ id: '100' })).toEqual({ id: 100 });
    // A /trpc caller sends JSON numbers: they go to the contract's schema as they are.
    expect(schema.parse({ id: 5 })).toEqual({ id: 5 });
    expect(schema.safeParse({ id: 1.5 }).success).toBe(false);
  });

  it('reads integer query parameters by the same rule, through default() and optional() wrappers', () => {
    const list = restInput({
      type: 'query',
      auth: 'user',
      input: UserListQuery,
      output: UserPage,
      rest: { ...rest, method: 'GET', path: '/users' },
    }) as z.ZodObject;
    expect(list.parse({})).toEqual({ limit: 50, offset: 0 });
    expect(list.parse({ limit: '10', offset: '0' })).toEqual({ limit: 10, offset: 0 });
    for (const limit of ['1e1', '0x10', ' 5', '05', '', '+5']) {
      const result = list.safeParse({ limit });
      expect(result.success, JSON.stringify(limit)).toBe(false);
      expect(result.error?.issues.map((issue) => issue.path)).toEqual([['limit']]);
    }
    const byAuthor = restInput({
      type: 'query',
      auth: 'public',
      input: z.object({ authorId: UserId.optional() }),
      output: UserPage,
      rest: { ...rest, method: 'GET', path: '/posts' },
    }) as z.ZodObject;
    expect(byAuthor.parse({ authorId: '3' })).toEqual({ authorId: 3 });
    expect(byAuthor.parse({})).toEqual({});
    expect(byAuthor.safeParse({ authorId: '03' }).success).toBe(false);
  });

  it('names the parameters of a path template', () => {
    expect(pathParameters('/a/{id}/b/{slug}')).toEqual(['id', 'slug']);
    expect(pathParameters('/users/me')).toEqual([]);
  });
});
