import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from './client.js';
import { type GatewayStub, startGatewayStub } from './test/gateway-stub.js';

const ada = { email: 'ada@example.com', password: 'correct horse battery staple' };

describe('createClient against a gateway stub', () => {
  let stub: GatewayStub;
  beforeAll(async () => {
    stub = await startGatewayStub();
  });
  afterAll(async () => {
    await stub.close();
  });
  beforeEach(() => {
    stub.requests.length = 0;
  });

  it('registers with POST /api/v1/users, a JSON body and no bearer, and returns the 201 user', async () => {
    const client = createClient({ baseURL: stub.origin });
    const user = await client.users.create({ email: 'grace@example.com', password: 'hopper-1906' });
    expect(user).toMatchObject({ email: 'grace@example.com', role: 'user' });
    expect(stub.requests).toEqual([
      {
        method: 'POST',
        path: '/api/v1/users',
        query: {},
        authorization: undefined,
        body: { email: 'grace@example.com', password: 'hopper-1906' },
      },
    ]);
  });

  it('logs in, keeps the tokens, tells onTokens, and sends them as a bearer', async () => {
    const seen: unknown[] = [];
    const client = createClient({ baseURL: `${stub.origin}/`, onTokens: (tokens) => seen.push(tokens) });
    const tokens = await client.login(ada);
    expect(tokens.token_type).toBe('bearer');
    expect(client.tokens).toEqual(tokens);
    expect(seen).toEqual([tokens]);
    const me = await client.users.me();
    expect(me.email).toBe('ada@example.com');
    expect(me).not.toHaveProperty('password');
    expect(stub.requests.at(-1)).toMatchObject({
      method: 'GET',
      path: '/api/v1/users/me',
      authorization: `Bearer ${tokens.access_token}`,
      body: undefined,
    });
  });

  it('lists users with limit and offset in the query string', async () => {
    const client = createClient({ baseURL: stub.origin });
    await client.login(ada);
    const page = await client.users.list({ limit: 1, offset: 0 });
    expect(page).toMatchObject({ limit: 1, offset: 0 });
    expect(page.items).toHaveLength(1);
    expect(stub.requests.at(-1)).toMatchObject({ path: '/api/v1/users', query: { limit: '1', offset: '0' } });
    await client.users.list();
    expect(stub.requests.at(-1)?.query).toEqual({});
  });

  it('gets, patches and deletes by id, with 204 resolving to undefined', async () => {
    const client = createClient({ baseURL: stub.origin });
    await client.login(ada);
    const created = await client.users.create({ email: 'alan@example.com', password: 'turing-1912' });
    expect((await client.users.byId({ id: created.id })).email).toBe('alan@example.com');
    const updated = await client.users.update({ id: created.id, isActive: false });
    expect(updated.isActive).toBe(false);
    expect(stub.requests.at(-1)).toMatchObject({
      method: 'PATCH',
      path: `/api/v1/users/${created.id}`,
      body: { isActive: false },
    });
    await expect(client.users.delete({ id: created.id })).resolves.toBeUndefined();
    expect(stub.requests.at(-1)).toMatchObject({
      method: 'DELETE',
      path: `/api/v1/users/${created.id}`,
      body: undefined,
    });
  });

  it('updates the caller with PATCH /users/me', async () => {
    const client = createClient({ baseURL: stub.origin });
    await client.login(ada);
    expect((await client.users.updateMe({ firstName: 'Ada' })).firstName).toBe('Ada');
    expect(stub.requests.at(-1)).toMatchObject({
      method: 'PATCH',
      path: '/api/v1/users/me',
      body: { firstName: 'Ada' },
    });
  });

  it('refreshes on demand: rotates and keeps the new pair', async () => {
    const client = createClient({ baseURL: stub.origin });
    const first = await client.login(ada);
    const second = await client.refresh();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(client.tokens).toEqual(second);
    expect(stub.requests.at(-1)).toMatchObject({
      path: '/api/v1/auth/refresh',
      body: { refresh_token: first.refresh_token },
    });
  });

  it('keeps the pair returned by a direct auth.refresh call, so the rotated token is not reused', async () => {
    const client = createClient({ baseURL: stub.origin });
    const first = await client.login(ada);
    const second = await client.auth.refresh({ refresh_token: first.refresh_token });
    expect(client.tokens).toEqual(second);
  });

  it('logs out with a 204, sends the kept refresh token and drops the tokens', async () => {
    const seen: unknown[] = [];
    const client = createClient({ baseURL: stub.origin, onTokens: (tokens) => seen.push(tokens) });
    const tokens = await client.login(ada);
    await expect(client.logout()).resolves.toBeUndefined();
    expect(stub.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/api/v1/auth/logout',
      body: { refresh_token: tokens.refresh_token },
    });
    expect(client.tokens).toBeNull();
    expect(seen).toEqual([tokens, null]);
    await expect(client.refresh()).rejects.toThrow(/Not logged in/);
  });

  it('makes no call on logout when nothing is kept', async () => {
    const client = createClient({ baseURL: stub.origin });
    await client.logout();
    expect(stub.requests).toEqual([]);
  });

  it('uses the fetch implementation it is given', async () => {
    const urls: string[] = [];
    const client = createClient({
      baseURL: stub.origin,
      basePath: '/api/v1',
      fetch: (input, init) => {
        urls.push(input instanceof Request ? input.url : String(input));
        return fetch(input, init);
      },
    });
    await client.users.create({ email: 'edsger@example.com', password: 'dijkstra-1930' });
    expect(urls).toEqual([`${stub.origin}/api/v1/users`]);
  });

  it('starts from given tokens and sends extra headers', async () => {
    const tokens = await createClient({ baseURL: stub.origin }).login(ada);
    const client = createClient({ baseURL: stub.origin, tokens });
    await client.users.me(undefined, { headers: { 'x-request-id': 'mine' } });
    expect(stub.requests.at(-1)?.authorization).toBe(`Bearer ${tokens.access_token}`);
  });
});
