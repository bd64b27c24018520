import { describe, expect, it } from 'vitest';
import { createApi } from '../helpers/api.js';
import { startGateway } from '../helpers/gateway.js';
import { uniqueEmail } from '../helpers/stack.js';
import { startUsersService } from '../helpers/users-service.js';

// Regression test for issue 10 item 11: ten concurrent refreshes of one refresh token logged the user
// out (1 × 200 whose tokens were already revoked, 9 × 401). Within the reuse interval
// (REFRESH_REUSE_INTERVAL_SECONDS, default 10 s) each concurrent refresh gets a sibling token of the same
// session; after it, reuse still revokes the family. Atomicity on PGlite and PostgreSQL:
// apps/users/test/sessions.test.ts.

/** Each test starts its own users service (PGlite, migrations): on a loaded machine that alone can take 20 s. */
const STARTS_A_SERVICE_MS = 120_000;

/** A users service with this reuse interval (unset: the default), a gateway in front, and a logged-in user. */
async function stackWith(env: Record<string, string>) {
  const users = await startUsersService(env);
  const gateway = await startGateway(
    { USERS_SERVICE_URL: users.url },
    { authRateLimit: { max: 10_000, refreshMax: 10_000, timeWindowMs: 60_000 } },
  );
  const api = createApi(gateway.url);
  const email = uniqueEmail('reuse');
  const password = 'correct horse battery staple';
  expect((await api('POST', '/api/v1/users', { json: { email, password } })).status).toBe(201);
  const login = await api('POST', '/api/v1/auth/access', { json: { email, password } });
  const refresh = (token: unknown) => api('POST', '/api/v1/auth/refresh', { json: { refresh_token: token } });
  return {
    api,
    refresh,
    token: String(login.body.refresh_token),
    [Symbol.asyncDispose]: async () => {
      await gateway.close();
      await users.stop();
    },
  };
}

describe('POST /api/v1/auth/refresh ten times concurrently with one refresh token', () => {
  it(
    'answers 200 to all ten within the default interval, and every returned pair keeps working',
    async () => {
      await using stack = await stackWith({});
      const responses = await Promise.all(Array.from({ length: 10 }, () => stack.refresh(stack.token)));
      expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
      for (const response of responses) {
        const me = await stack.api('GET', '/api/v1/users/me', { token: String(response.body.access_token) });
        expect(me.status).toBe(200);
        expect((await stack.refresh(response.body.refresh_token)).status).toBe(200);
      }
    },
    STARTS_A_SERVICE_MS,
  );

  it(
    'still treats reuse after the interval (REFRESH_REUSE_INTERVAL_SECONDS=1) as theft: the family is revoked',
    async () => {
      await using stack = await stackWith({ REFRESH_REUSE_INTERVAL_SECONDS: '1' });
      const rotated = await stack.refresh(stack.token);
      expect(rotated.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await stack.refresh(stack.token)).status).toBe(401);
      expect((await stack.refresh(rotated.body.refresh_token)).status).toBe(401);
    },
    STARTS_A_SERVICE_MS,
  );
});
