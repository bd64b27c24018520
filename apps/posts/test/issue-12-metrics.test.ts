import { fileURLToPath } from 'node:url';
import {
  type Scrape,
  type SpawnedService,
  scrapeMetrics,
  spawnService,
  type TokenActor,
} from '@basis/service-kit/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callProcedure } from './support/calls.js';

// Issue 12 item 5: posts serves `/metrics` (HTTP by procedure, the database pool, process) and the lag of
// its user-event consumer, measured against a real users service; both run as built processes.

const USERS_MAIN = fileURLToPath(new URL('../../users/dist/main.js', import.meta.url));
const POSTS_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const ADMIN = { email: 'admin@example.com', password: 'correct horse battery staple' };

/** {@link callProcedure} with the audience named by the path (`posts.*` → posts, else users). */
const call = <T>(service: SpawnedService, path: string, input: unknown, actor: TokenActor | null = null) =>
  callProcedure<T>(service, path.startsWith('posts.') ? 'posts' : 'users', path, input, actor);

/** Scrapes `service` until `done` holds (at most 20 s); @returns the last scrape. */
async function scrapeUntil(service: SpawnedService, done: (scrape: Scrape) => boolean): Promise<Scrape> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const scrape = await scrapeMetrics(service.url);
    if (done(scrape) || Date.now() > deadline) return scrape;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let users: SpawnedService;
let posts: SpawnedService;

beforeAll(async () => {
  users = await spawnService({
    main: USERS_MAIN,
    env: { BOOTSTRAP_ADMIN_EMAIL: ADMIN.email, BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password },
    timeoutMs: 60_000,
  });
  posts = await spawnService({ main: POSTS_MAIN, env: { USERS_SERVICE_URL: users.url }, timeoutMs: 60_000 });
}, 120_000);

afterAll(async () => {
  await posts?.stop();
  await users?.stop();
});

const LAG = 'basis_posts_user_events_lag_seconds';
const CURSOR = 'basis_posts_user_events_cursor';
const APPLIED = 'basis_posts_user_events_applied_total';

describe('GET /metrics on the posts service, with users running', () => {
  it('serves the process, database pool and per-procedure HTTP metrics, labelled service="posts"', async () => {
    const author = await call<{ id: number }>(users, 'users.create', {
      email: 'ada@example.com',
      password: ADMIN.password,
    });
    const before = await scrapeMetrics(posts.url);
    const creates = (scrape: Scrape) =>
      scrape.value('basis_service_http_request_duration_seconds_count', { route: 'posts.create', status: '200' }) ?? 0;
    await call(posts, 'posts.create', { title: 'hello', body: 'text' }, { id: author.id, role: 'user' });
    const after = await scrapeMetrics(posts.url);
    expect(creates(after) - creates(before)).toBe(1);
    expect(after.value('basis_service_db_pool_max', { service: 'posts', driver: 'pglite' })).toBe(1);
    expect(after.value('basis_service_db_queries_total', { outcome: 'ok' })).toBeGreaterThan(
      before.value('basis_service_db_queries_total', { outcome: 'ok' }) ?? 0,
    );
    expect(after.value('basis_service_process_resident_memory_bytes', { service: 'posts' })).toBeGreaterThan(0);
  });

  it('follows the users outbox: cursor and applied events move, lag in events drops to 0, lag seconds stays small', async () => {
    const admin = await call<{ id: number }>(users, 'internal.verifyCredentials', ADMIN);
    const { sessionId } = await call<{ sessionId: string }>(users, 'internal.createSession', {
      userId: admin.id,
      ttlSeconds: 3600,
    });
    const actor: TokenActor = { id: admin.id, role: 'admin', sessionId };
    const start = await scrapeMetrics(posts.url);
    for (const email of ['bob@example.com', 'cy@example.com']) {
      const user = await call<{ id: number }>(users, 'users.create', { email, password: ADMIN.password });
      await call(users, 'users.delete', { id: user.id }, actor);
    }
    const last = (await scrapeMetrics(users.url)).value('basis_users_outbox_last_event_id') ?? 0;
    expect(last).toBe((start.value(CURSOR) ?? 0) + 2);

    const caughtUp = await scrapeUntil(posts, (scrape) => scrape.value(CURSOR) === last);
    expect(caughtUp.value(CURSOR)).toBe(last);
    expect((caughtUp.value(APPLIED) ?? 0) - (start.value(APPLIED) ?? 0)).toBe(2);
    // Caught up: the last complete read of the feed is at most a few poll intervals old.
    const fresh = await scrapeUntil(posts, (scrape) => (scrape.value(LAG) ?? Number.POSITIVE_INFINITY) < 3);
    expect(fresh.value(LAG)).toBeLessThan(3);
  });

  it('lets the lag in seconds grow while users is unreachable', async () => {
    await users.stop();
    const stale = await scrapeUntil(posts, (scrape) => (scrape.value(LAG) ?? 0) > 4);
    expect(stale.value(LAG)).toBeGreaterThan(4);
  });
});
