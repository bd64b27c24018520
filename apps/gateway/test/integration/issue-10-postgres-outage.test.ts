import { describe, expect, it } from 'vitest';
import { createApi } from '../helpers/api.js';
import { startGateway } from '../helpers/gateway.js';
import { hasPostgresBinaries, startPrivatePostgres } from '../helpers/private-postgres.js';
import { newSession } from '../helpers/stack.js';
import { startUsersService } from '../helpers/users-service.js';

// Regression test for issue 10 item 15: a 5.5 s PostgreSQL outage gave 10 s of errors, 4.3 s of them
// after the database was back (users hung on its dead pool, the gateway timed out, then its breaker kept
// answering 503). Here a private cluster (never the machine's 5432) is stopped for 3 s under 16
// connections of load through the gateway: every answer must be 200, or 503 with Retry-After while the
// database is down, and all 200 again soon after it is back. Timing bounds are generous (a loaded 2-core
// machine); the figures are printed.

const CONNECTIONS = 16;
const OUTAGE_MS = 3000;

interface Sample {
  start: number;
  end: number;
  status: number;
  retryAfter: string | null;
}

const available = await hasPostgresBinaries();

describe.skipIf(!available)('PostgreSQL stopped for 3 s under 16 connections of GET /api/v1/users/me', () => {
  if (!available) console.warn('initdb/pg_ctl not found: skipping the PostgreSQL outage suite');

  it('answers 503 with Retry-After fast while it is down and 200 to everything once it is back', async () => {
    await using postgres = await startPrivatePostgres();
    await using users = await startUsersService({ DATABASE_URL: postgres.url });
    await using gateway = await startGateway(
      { USERS_SERVICE_URL: users.url },
      { authRateLimit: { max: 10_000, refreshMax: 10_000, timeWindowMs: 60_000 } },
    );
    const login = await newSession(createApi(gateway.url), {}, 'outage');

    const samples: Sample[] = [];
    let running = true;
    const worker = async () => {
      while (running) {
        const start = performance.now();
        let status = 0;
        let retryAfter: string | null = null;
        try {
          const response = await fetch(`${gateway.url}/api/v1/users/me`, {
            headers: { authorization: `Bearer ${login.access}` },
            signal: AbortSignal.timeout(15_000),
          });
          await response.arrayBuffer();
          status = response.status;
          retryAfter = response.headers.get('retry-after');
        } catch {
          status = -1;
        }
        samples.push({ start, end: performance.now(), status, retryAfter });
      }
    };
    const workers = Array.from({ length: CONNECTIONS }, worker);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const stoppedAt = performance.now();
    await postgres.stop();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    await postgres.start();
    const backAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 6000));
    running = false;
    await Promise.all(workers);

    const during = samples.filter((sample) => sample.start >= stoppedAt && sample.start < backAt);
    const slowest = Math.max(...during.map((sample) => sample.end - sample.start));
    const lastFailure = Math.max(
      backAt,
      ...samples.filter((sample) => sample.status !== 200 && sample.end >= backAt).map((sample) => sample.end),
    );
    const counts = Object.fromEntries(
      [...new Set(samples.map((sample) => sample.status))].map((status) => [
        status,
        samples.filter((sample) => sample.status === status).length,
      ]),
    );
    console.info(
      `postgres outage: ${samples.length} answers ${JSON.stringify(counts)}; slowest during the outage ` +
        `${Math.round(slowest)} ms; all 200 again ${Math.round(lastFailure - backAt)} ms after PostgreSQL accepted connections`,
    );

    expect(samples.filter((sample) => sample.end < stoppedAt).every((sample) => sample.status === 200)).toBe(true);
    expect(during.some((sample) => sample.status === 503)).toBe(true);
    const refused = samples.filter((sample) => sample.status !== 200);
    expect(refused.filter((sample) => sample.status !== 503)).toEqual([]);
    expect(refused.filter((sample) => sample.retryAfter === null)).toEqual([]);
    // Fast failure: nothing near the gateway's 5 s upstream timeout.
    expect(slowest).toBeLessThan(4000);
    // Recovery: every answer started 3 s after PostgreSQL is back is 200.
    const late = samples.filter((sample) => sample.start > backAt + 3000);
    expect(late.length).toBeGreaterThan(0);
    expect(late.filter((sample) => sample.status !== 200)).toEqual([]);
  }, 120_000);
});
