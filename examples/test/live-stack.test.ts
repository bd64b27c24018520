import { BasisApiError, createClient, type TokensListener } from '@basis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueEmail } from '../src/cli.js';
import { main as restExample } from '../src/rest.js';
import { main as trpcExample } from '../src/trpc.js';
import { freePort, type ServiceProcess, startService, waitForOk, waitForUpstream } from './stack.js';

/** The JWT secret; service credentials use the development keys (NODE_ENV is not production here). */
const SECRETS = { JWT_SECRET: 'examples-test-jwt-secret-0123456789abcdef' };
const PASSWORD = 'correct horse battery staple';
/** Access-token lifetime of the second gateway, in seconds: short enough to wait out. */
const SHORT_TTL = 1;
/** The clock skew the gateway accepts on `exp`, in seconds (its default; not configurable by env). */
const CLOCK_TOLERANCE = 5;
/** How long the services may take to report ready, in milliseconds. */
const STARTUP_MS = 90_000;

const started: ServiceProcess[] = [];
let gateway: ServiceProcess;
let shortLivedGateway: ServiceProcess;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  const [usersPort, postsPort, gatewayPort, shortPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const USERS_SERVICE_URL = `http://127.0.0.1:${usersPort}`;
  const POSTS_SERVICE_URL = `http://127.0.0.1:${postsPort}`;
  // The gateway first, as `npm run dev` may start it: it serves, and reports users down.
  gateway = startService('gateway', gatewayPort, { ...SECRETS, USERS_SERVICE_URL, POSTS_SERVICE_URL });
  started.push(gateway);
  await waitForOk(gateway, '/healthz');
  const early = await fetch(`${gateway.url}/readyz`);
  expect(early.status).toBe(200);
  expect(await early.json()).toMatchObject({ upstreams: { users: { state: 'down' } } });

  started.push(startService('users', usersPort, { PGLITE_DATA_DIR: 'memory://', ...SECRETS }));
  started.push(startService('posts', postsPort, { PGLITE_DATA_DIR: 'memory://', USERS_SERVICE_URL, ...SECRETS }));
  shortLivedGateway = startService('gateway', shortPort, {
    ...SECRETS,
    USERS_SERVICE_URL,
    POSTS_SERVICE_URL,
    ACCESS_TOKEN_TTL: String(SHORT_TTL),
  });
  started.push(shortLivedGateway);
  // Two PGlite services opening at once take 10..60 s on a busy 2-core machine.
  await Promise.all([
    waitForUpstream(gateway, 'users', STARTUP_MS),
    waitForUpstream(gateway, 'posts', STARTUP_MS),
    waitForUpstream(shortLivedGateway, 'users', STARTUP_MS),
  ]);
});

afterAll(async () => {
  await Promise.all(started.map((service) => service.stop()));
});

describe('examples/src against a live stack (users, posts and gateway from their built dist)', () => {
  it('runs the REST example: register, login, me, list, a post, the composed profile, refresh with rotation, a typed 409, logout', async () => {
    const lines: string[] = [];
    const result = await restExample(gateway.url, (line) => lines.push(line));
    expect(result.userId).toBeGreaterThan(0);
    expect(result.email).toMatch(/^rest-example-.+@example\.com$/);
    expect(result.listedTotal).toBeGreaterThanOrEqual(1);
    expect(result.rotated).toBe(true);
    expect(result.duplicateStatus).toBe(409);
    expect(result.postId).toBeGreaterThan(0);
    expect([result.profilePosts, result.profilePartial]).toEqual([1, []]);
    expect(lines).toContain('logged in as Ada Lovelace (user)');
    expect(lines.at(-1)).toBe('logged out');
  });

  it('runs the tRPC example: the same tour over /trpc, with CONFLICT on the duplicate', async () => {
    const lines: string[] = [];
    const result = await trpcExample(gateway.url, (line) => lines.push(line));
    expect(result.userId).toBeGreaterThan(0);
    expect(result.email).toMatch(/^trpc-example-.+@example\.com$/);
    expect(result.listedTotal).toBeGreaterThanOrEqual(1);
    expect(result.rotated).toBe(true);
    expect(result.duplicateCode).toBe('CONFLICT');
    expect(lines).toContain('logged in as Grace Hopper (user)');
    expect(lines.at(-1)).toBe('logged out');
  });
});

describe('@basis/client against a live gateway', () => {
  it('refreshes once on a 401 and retries when the access token has expired', async () => {
    const pairs: Array<Parameters<TokensListener>[0]> = [];
    const client = createClient({ baseURL: shortLivedGateway.url, onTokens: (tokens) => pairs.push(tokens) });
    const email = uniqueEmail('expiry');
    await client.users.create({ email, password: PASSWORD });
    const login = await client.login({ email, password: PASSWORD });
    expect(login.expires_in).toBe(SHORT_TTL);

    // exp is whole seconds after iat, and verification allows CLOCK_TOLERANCE s of skew past it.
    await sleep((SHORT_TTL + CLOCK_TOLERANCE) * 1000 + 200);
    const stale = await fetch(`${shortLivedGateway.url}/api/v1/users/me`, {
      headers: { authorization: `Bearer ${login.access_token}` },
    });
    expect(stale.status).toBe(401);

    // Both calls meet the expired token; they share one refresh and are retried once each.
    const [me, page] = await Promise.all([client.users.me(), client.users.list({ limit: 1 })]);
    expect(me.email).toBe(email);
    expect(page.limit).toBe(1);
    expect(pairs).toHaveLength(2); // the login's pair, then exactly one refreshed pair
    expect(client.tokens?.access_token).not.toBe(login.access_token);
    expect(client.tokens?.refresh_token).not.toBe(login.refresh_token);
    await client.logout();
  });

  it('rejects with typed errors carrying status, code and requestId', async () => {
    const client = createClient({ baseURL: gateway.url });
    const email = uniqueEmail('errors');
    await client.users.create({ email, password: PASSWORD });

    const duplicate = await client.users.create({ email, password: PASSWORD }).catch((error: unknown) => error);
    expect(duplicate).toBeInstanceOf(BasisApiError);
    expect(duplicate).toMatchObject({ status: 409, code: 'CONFLICT', requestId: expect.any(String) });

    const wrong = await client.login({ email, password: 'not the password' }).catch((error: unknown) => error);
    expect(wrong).toMatchObject({ status: 401, code: 'UNAUTHORIZED', requestId: expect.any(String) });

    const invalid = await client.users.create({ email: 'not-an-email', password: PASSWORD }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect((invalid as BasisApiError).issues?.[0]?.path).toEqual(['email']);
  });
});
