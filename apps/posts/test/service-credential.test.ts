import { developmentPrivateKey } from '@basis/service-kit/credentials';
import { mintServiceToken } from '@basis/service-kit/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../src/db/client.js';
import { startServer, type TestServer } from './support/server.js';

describe('the service credential of posts', () => {
  let db: DatabaseHandle;
  let server: TestServer;
  beforeAll(async () => {
    db = await openDatabase({ pgliteDataDir: 'memory://' });
    server = await startServer(db);
  });
  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
    await db?.close();
  });

  it.each([
    ['no Authorization header', undefined],
    ['a credential for users (another audience)', `Bearer ${mintServiceToken('users', null)}`],
    [
      "a credential signed by users' key that names gateway",
      `Bearer ${mintServiceToken('posts', null, { privateKey: developmentPrivateKey('users') })}`,
    ],
    [
      'a credential of users, a caller posts does not know',
      `Bearer ${mintServiceToken('posts', null, { issuer: 'users' })}`,
    ],
  ])(
    'answers 401 SERVICE_TOKEN_REJECTED with WWW-Authenticate to %s, even on a public read',
    async (_, authorization) => {
      const response = await fetch(`${server.url}/trpc/posts.list?input=%7B%7D`, {
        headers: authorization === undefined ? {} : { authorization },
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await response.json()).toMatchObject({
        error: { data: { code: 'UNAUTHORIZED', httpStatus: 401, reason: 'SERVICE_TOKEN_REJECTED' } },
      });
    },
  );

  it('answers a valid credential', async () => {
    await expect(server.client().posts.list.query({})).resolves.toEqual({ items: [], total: 0, limit: 20, offset: 0 });
  });

  it('serves /healthz and /readyz without a credential, with x-request-id', async () => {
    const health = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'req-posts-1' } });
    expect([health.status, await health.json(), health.headers.get('x-request-id')]).toEqual([
      200,
      { status: 'ok' },
      'req-posts-1',
    ]);
    const ready = await fetch(`${server.url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ok' }]);
  });
});
