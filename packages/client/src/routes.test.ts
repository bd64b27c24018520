import { authContract, postsContract, usersContract } from '@basis/contracts';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type BasisClient, createClient } from './client.js';
import { buildRequest, restContracts, restProcedures } from './routes.js';

describe('buildRequest', () => {
  it('substitutes and URI-encodes path parameters and leaves them out of the query', () => {
    expect(buildRequest(usersContract.byId.rest, { id: 42 })).toEqual({
      method: 'GET',
      path: '/users/42',
      query: undefined,
      body: undefined,
    });
    expect(buildRequest({ ...usersContract.byId.rest, path: '/users/{id}' }, { id: 'a/b c' }).path).toBe(
      '/users/a%2Fb%20c',
    );
  });

  it('puts the remaining fields of a GET in the query as strings, without undefined ones', () => {
    expect(buildRequest(usersContract.list.rest, { limit: 10, offset: undefined })).toMatchObject({
      path: '/users',
      query: { limit: '10' },
      body: undefined,
    });
    expect(buildRequest(usersContract.list.rest, undefined).query).toBeUndefined();
  });

  it('sends DELETE inputs as path and query, never as a body (as trpc-to-openapi reads them)', () => {
    expect(buildRequest(usersContract.delete.rest, { id: 7 })).toEqual({
      method: 'DELETE',
      path: '/users/7',
      query: undefined,
      body: undefined,
    });
  });

  it('sends the other fields of a PATCH as the JSON body, without the path parameter', () => {
    expect(buildRequest(usersContract.update.rest, { id: 3, role: 'admin' })).toEqual({
      method: 'PATCH',
      path: '/users/3',
      query: undefined,
      body: { role: 'admin' },
    });
  });

  it('maps the posts routes: authorId and paging in the query, the id in the path, edits in the body', () => {
    expect(buildRequest(postsContract.list.rest, { authorId: 7, limit: 5 })).toEqual({
      method: 'GET',
      path: '/posts',
      query: { authorId: '7', limit: '5' },
      body: undefined,
    });
    expect(buildRequest(postsContract.create.rest, { title: 'T', body: 'B' })).toEqual({
      method: 'POST',
      path: '/posts',
      query: undefined,
      body: { title: 'T', body: 'B' },
    });
    expect(buildRequest(postsContract.update.rest, { id: 3, title: 'New' })).toEqual({
      method: 'PATCH',
      path: '/posts/3',
      query: undefined,
      body: { title: 'New' },
    });
    expect(buildRequest(postsContract.delete.rest, { id: 3 })).toMatchObject({ method: 'DELETE', path: '/posts/3' });
  });

  it('throws a TypeError naming a missing path parameter', () => {
    expect(() => buildRequest(usersContract.byId.rest, {})).toThrow(/missing path parameter "id"/);
  });
});

describe('generated methods', () => {
  const client = createClient({ baseURL: 'http://127.0.0.1:1' });

  it('has one method per REST route of every contract, and none for internal procedures', () => {
    for (const [namespace, contracts] of Object.entries(restContracts)) {
      const group = client[namespace as keyof typeof restContracts] as Record<string, unknown>;
      const names = restProcedures(contracts).map(([name]) => name);
      expect(Object.keys(group).sort()).toEqual(names.sort());
      for (const name of names) expect(typeof group[name]).toBe('function');
    }
    expect(Object.keys(client.auth).sort()).toEqual(Object.keys(authContract).sort());
    expect(Object.keys(client.posts).sort()).toEqual(['byId', 'create', 'delete', 'list', 'update']);
    expect(Object.keys(client.profiles)).toEqual(['byUserId']);
  });

  it('maps the composed profile route: the user id in the path, typed from profilesContract', () => {
    expect(buildRequest(restContracts.profiles.byUserId.rest, { id: 4 })).toEqual({
      method: 'GET',
      path: '/users/4/profile',
      query: undefined,
      body: undefined,
    });
    expectTypeOf(client.profiles.byUserId).parameter(0).toEqualTypeOf<{ id: number }>();
    expectTypeOf<Awaited<ReturnType<BasisClient['profiles']['byUserId']>>>()
      .toHaveProperty('partial')
      .toEqualTypeOf<string[]>();
  });

  it('types inputs and outputs from the contracts', () => {
    expectTypeOf(client.users.byId).parameter(0).toEqualTypeOf<{ id: number }>();
    expectTypeOf(client.users.list).parameter(0).toEqualTypeOf<{ limit?: number; offset?: number } | undefined>();
    expectTypeOf<Awaited<ReturnType<BasisClient['users']['me']>>>().toHaveProperty('email').toEqualTypeOf<string>();
    expectTypeOf<Awaited<ReturnType<BasisClient['users']['delete']>>>().toEqualTypeOf<undefined>();
    expectTypeOf(client.posts.create).parameter(0).toEqualTypeOf<{ title: string; body: string }>();
    expectTypeOf(client.posts.list)
      .parameter(0)
      .toEqualTypeOf<{ authorId?: number | undefined; limit?: number; offset?: number } | undefined>();
    expectTypeOf<Awaited<ReturnType<BasisClient['posts']['byId']>>>()
      .toHaveProperty('authorId')
      .toEqualTypeOf<number>();
    expectTypeOf<Awaited<ReturnType<BasisClient['posts']['delete']>>>().toEqualTypeOf<undefined>();
    expectTypeOf<Awaited<ReturnType<BasisClient['auth']['access']>>>()
      .toHaveProperty('token_type')
      .toEqualTypeOf<'bearer'>();
  });
});
