import { scrapeMetrics } from '@basis/service-kit/test';
import { describe, expect, it } from 'vitest';
import { testDrivers } from './support/databases.js';
import { seedUser } from './support/seed.js';
import { useServerOn } from './support/suite.js';

// Issue 12 item 5: the users service serves `/metrics` (Prometheus text) — HTTP by procedure, the database
// pool and its queries, the outbox, and the process — to a scraper that holds no service credential.

const HTTP = 'basis_service_http_request_duration_seconds_count';

describe.each(testDrivers)('GET /metrics on the users service ($name)', (driver) => {
  const suite = useServerOn(driver);

  it('answers Prometheus text without a credential, labelled service="users", with the process metrics', async () => {
    const scrape = await scrapeMetrics(suite.server.url);
    expect(scrape.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(scrape.value('basis_service_process_cpu_user_seconds_total', { service: 'users' })).toBeGreaterThan(0);
    expect(scrape.value('basis_service_nodejs_eventloop_lag_seconds', { service: 'users' })).toBeDefined();
  });

  it('counts requests by procedure (never the raw URL), method and status', async () => {
    const admin = await seedUser(suite.database.handle, { email: 'admin@example.com', role: 'admin' });
    const ada = await seedUser(suite.database.handle, { email: 'ada@example.com' });
    const { client } = await suite.server.login({ id: admin.id, role: 'admin' });
    const before = await scrapeMetrics(suite.server.url);
    const count = (scrape: typeof before, labels: Record<string, string>) => scrape.value(HTTP, labels) ?? 0;

    await client.users.byId.query({ id: ada.id });
    await client.users.byId.query({ id: ada.id });
    await expect(client.users.byId.query({ id: 999_999 })).rejects.toThrow();
    // An unknown procedure and a batch: fixed labels, so a caller cannot grow the label set.
    await fetch(`${suite.server.url}/trpc/users.nothing-${Date.now()}`);
    await fetch(`${suite.server.url}/trpc/users.byId,users.list?batch=1`);

    const after = await scrapeMetrics(suite.server.url);
    const byId = { route: 'users.byId', method: 'GET' };
    expect(count(after, { ...byId, status: '200' }) - count(before, { ...byId, status: '200' })).toBe(2);
    expect(count(after, { ...byId, status: '404' }) - count(before, { ...byId, status: '404' })).toBe(1);
    expect(count(after, { route: 'unknown' }) - count(before, { route: 'unknown' })).toBe(1);
    expect(count(after, { route: 'batch' }) - count(before, { route: 'batch' })).toBe(1);
    expect(after.text).not.toContain('users.nothing');
    expect(count(before, { route: '/metrics', status: '200' }) + 1).toBe(count(after, { route: '/metrics' }));
  });

  it('reports the database pool size and counts the queries it ran', async () => {
    const before = await scrapeMetrics(suite.server.url);
    const queries = (scrape: typeof before) => scrape.value('basis_service_db_queries_total', { outcome: 'ok' }) ?? 0;
    const seconds = (scrape: typeof before) => scrape.value('basis_service_db_query_seconds_total') ?? 0;
    // PGlite has one connection; postgres.js the pool size the test kit opens it with (20).
    const expected = driver.name === 'pglite' ? { driver: 'pglite', max: 1 } : { driver: 'postgres', max: 20 };
    expect(before.value('basis_service_db_pool_max', { driver: expected.driver, service: 'users' })).toBe(expected.max);

    const ada = await seedUser(suite.database.handle, { email: 'ada@example.com' });
    const { client } = await suite.server.login({ id: ada.id, role: 'user' });
    await client.users.me.query();

    const after = await scrapeMetrics(suite.server.url);
    // seed (1 insert), login (1 session insert), me (the user's row; its session is not read here): at least 3.
    expect(queries(after) - queries(before)).toBeGreaterThanOrEqual(3);
    expect(seconds(after)).toBeGreaterThan(seconds(before));
    expect(after.value('basis_service_db_queries_in_flight')).toBe(0);
  });

  it('counts a failed query as an error', async () => {
    const failed = async () =>
      (await scrapeMetrics(suite.server.url)).value('basis_service_db_queries_total', { outcome: 'error' }) ?? 0;
    const before = await failed();
    await expect(suite.database.handle.db.execute('select * from no_such_table')).rejects.toThrow();
    expect(await failed()).toBe(before + 1);
  });

  it('reports the id of the newest outbox event', async () => {
    const last = async () => (await scrapeMetrics(suite.server.url)).value('basis_users_outbox_last_event_id');
    expect(await last()).toBe(0);
    const admin = await seedUser(suite.database.handle, { email: 'admin@example.com', role: 'admin' });
    const { client } = await suite.server.login({ id: admin.id, role: 'admin' });
    for (const email of ['ada@example.com', 'bob@example.com']) {
      const user = await seedUser(suite.database.handle, { email });
      await client.users.delete.mutate({ id: user.id });
    }
    expect(await last()).toBe(2);
  });
});
