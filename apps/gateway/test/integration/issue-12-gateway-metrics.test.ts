import { freePort, scrapeMetrics } from '@basis/service-kit/test';
import { describe, expect, inject, it } from 'vitest';
import { startGateway } from '../helpers/gateway.js';
import { uniqueEmail } from '../helpers/stack.js';

// Issue 12 item 5: the gateway's `/metrics` reports each upstream's circuit state and counts the calls
// each rate limit refuses, measured on a real gateway (and a real users service for the limits).

const JWT_SECRET = 'gateway-metrics-suite-jwt-secret-at-least-32-bytes';
const CIRCUIT = 'basis_gateway_upstream_circuit_open';
const REJECTIONS = 'basis_gateway_rate_limit_rejections_total';

const post = (url: string, path: string, body: unknown) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('basis_gateway_upstream_circuit_open{service}', () => {
  it('is 0 for every upstream, then 1 for users once its breaker opens on refused calls', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    await using gateway = await startGateway(
      { USERS_SERVICE_URL: nowhere, JWT_SECRET },
      { breaker: { breakerThreshold: 2, halfOpenAfterMs: 60_000 } },
    );
    const closed = await scrapeMetrics(gateway.url);
    expect(closed.value(CIRCUIT, { service: 'users' })).toBe(0);
    expect(closed.value(CIRCUIT, { service: 'posts' })).toBe(0);

    for (let i = 0; i < 2; i += 1) {
      const refused = await post(gateway.url, '/api/v1/users', {
        email: uniqueEmail('circuit'),
        password: 'long enough password',
      });
      expect(refused.status).toBe(503);
    }
    const open = await scrapeMetrics(gateway.url);
    expect(open.value(CIRCUIT, { service: 'users' })).toBe(1);
    expect(open.value(CIRCUIT, { service: 'posts' })).toBe(0);
  });
});

describe('basis_gateway_rate_limit_rejections_total{limit}', () => {
  it('counts each 429 under the limit that refused it, and nothing for calls let through', async () => {
    await using gateway = await startGateway(
      { USERS_SERVICE_URL: inject('usersUrl'), JWT_SECRET, RATE_LIMIT_REGISTER_PER_IP: '1' },
      { authRateLimit: { max: 2, timeWindowMs: 60_000 } },
    );
    expect((await scrapeMetrics(gateway.url)).value(REJECTIONS)).toBeUndefined();

    const email = uniqueEmail('limited');
    const logins = [];
    for (let i = 0; i < 3; i += 1)
      logins.push((await post(gateway.url, '/api/v1/auth/access', { email, password: `guess ${i}` })).status);
    expect(logins).toEqual([401, 401, 429]);

    const registrations = [];
    for (let i = 0; i < 2; i += 1) {
      const body = { email: uniqueEmail('register'), password: 'long enough password' };
      registrations.push((await post(gateway.url, '/api/v1/users', body)).status);
    }
    expect(registrations).toEqual([201, 429]);

    const scrape = await scrapeMetrics(gateway.url);
    expect(scrape.value(REJECTIONS, { limit: 'access' })).toBe(1);
    expect(scrape.value(REJECTIONS, { limit: 'registerPerIp' })).toBe(1);
    expect(scrape.value(REJECTIONS)).toBe(2);
  });
});
