import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  type OtlpReceiver,
  type ReceivedSpan,
  type SpawnedService,
  spawnService,
  startOtlpReceiver,
} from '@basis/service-kit/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startUsersService } from '../helpers/users-service.js';

// Issue 12 item 4: a request carrying a W3C `traceparent` is one trace across the gateway and the users
// service, exported over OTLP/HTTP to a local receiver. Both apps run as the built processes (tracing is
// set up once per process, as in production), with a short batch delay so spans arrive quickly.

const GATEWAY_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
/** OpenTelemetry span kinds as OTLP numbers them. */
const KIND = { internal: 1, server: 2, client: 3 } as const;

let receiver: OtlpReceiver;
let users: SpawnedService;
let gateway: SpawnedService;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' };
  users = await startUsersService(tracing);
  gateway = await spawnService({
    main: GATEWAY_MAIN,
    readyPath: '/healthz',
    timeoutMs: 60_000,
    env: { ...tracing, USERS_SERVICE_URL: users.url, OTEL_SERVICE_NAME: 'edge' },
  });
});

afterAll(async () => {
  await gateway?.stop();
  await users?.stop();
  await receiver?.close();
});

/** Waits until `done` holds for the spans of `traceId` received so far (at most 20 s). */
async function spansOf(traceId: string, done: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const spans = receiver.spans().filter((span) => span.traceId === traceId);
    if (done(spans) || Date.now() > deadline) return spans;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Whether `ancestor` is `span`'s parent, grandparent, … within `spans`. */
function descendsFrom(spans: ReceivedSpan[], span: ReceivedSpan, ancestor: ReceivedSpan): boolean {
  for (let current: ReceivedSpan | undefined = span; current; ) {
    if (current.parentSpanId === ancestor.spanId) return true;
    current = spans.find((candidate) => candidate.spanId === current?.parentSpanId);
  }
  return false;
}

describe('POST /api/v1/auth/access with a traceparent header, tracing on in the gateway and users', () => {
  it('exports one trace: gateway route → upstream call → HTTP client → users route → database queries', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const response = await fetch(`${gateway.url}/api/v1/auth/access`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${callerSpanId}-01` },
      body: JSON.stringify(ADMIN),
    });
    expect(response.status).toBe(200);

    // The route span ends last, so it may come in a later batch than its children.
    const spans = await spansOf(
      traceId,
      (got) =>
        got.some((span) => span.service === 'edge' && span.kind === KIND.server) &&
        got.some((span) => span.service === 'users' && span.attributes['db.system.name'] === 'postgresql') &&
        got.some((span) => span.service === 'edge' && span.name.startsWith('upstream ')),
    );
    expect(receiver.rejected()).toEqual([]);
    expect(new Set(spans.map((span) => span.service))).toEqual(new Set(['edge', 'users']));

    // The gateway's route span continues the caller's trace.
    const route = spans.find((span) => span.service === 'edge' && span.kind === KIND.server);
    expect(route).toMatchObject({ name: 'POST /api/v1/auth/access', parentSpanId: callerSpanId });
    if (!route) return;

    // Each upstream call: a span with service, procedure and outcome, under the route.
    const upstreamCalls = spans.filter((span) => span.service === 'edge' && span.name.startsWith('upstream '));
    expect(upstreamCalls.length).toBeGreaterThan(0);
    for (const call of upstreamCalls) {
      expect(call.attributes).toMatchObject({ 'upstream.service': 'users', 'upstream.outcome': 'ok' });
      expect(call.name).toBe(`upstream users ${call.attributes['upstream.procedure']}`);
      expect(descendsFrom(spans, call, route)).toBe(true);
    }

    // Across the hop: the users route span's parent is the gateway's HTTP client span, under an upstream call.
    const served = spans.filter((span) => span.service === 'users' && span.kind === KIND.server);
    expect(served.length).toBe(upstreamCalls.length);
    for (const usersRoute of served) {
      const client = spans.find((span) => span.spanId === usersRoute.parentSpanId);
      expect(client).toMatchObject({ service: 'edge', kind: KIND.client });
      if (!client) continue;
      expect(upstreamCalls.map((call) => call.spanId)).toContain(client.parentSpanId);
      expect(usersRoute.name).toBe('POST /trpc/:path');
      expect(usersRoute.attributes['rpc.method']).toBe(
        upstreamCalls.find((call) => call.spanId === client.parentSpanId)?.attributes['upstream.procedure'],
      );
    }

    // Database queries in users, each under one of its route spans, with the statement but no values.
    const queries = spans.filter((span) => span.service === 'users' && span.attributes['db.system.name']);
    expect(queries.length).toBeGreaterThan(0);
    for (const query of queries) {
      expect(query.kind).toBe(KIND.client);
      expect(query.attributes['db.query.text']).toMatch(/^(select|insert|update|delete|with)\b/i);
      expect(query.attributes['db.query.text']).not.toContain(ADMIN.email);
      expect(served.some((usersRoute) => descendsFrom(spans, query, usersRoute))).toBe(true);
    }

    // One trace: every span's parent is in it, but the route's, which is the caller's.
    for (const span of spans) {
      if (span === route) continue;
      expect(spans.map((candidate) => candidate.spanId)).toContain(span.parentSpanId);
    }
  });

  it('starts a new trace for a request without traceparent, and none for probes', async () => {
    const before = new Set(receiver.spans().map((span) => span.traceId));
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
    const response = await fetch(`${gateway.url}/api/v1/auth/access`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADMIN.email, password: 'not the password' }),
    });
    expect(response.status).toBe(401);
    const deadline = Date.now() + 20_000;
    let fresh: ReceivedSpan[] = [];
    while (Date.now() < deadline) {
      fresh = receiver.spans().filter((span) => !before.has(span.traceId));
      const served = fresh.some((span) => span.service === 'users' && span.kind === KIND.server);
      if (served && fresh.some((span) => span.service === 'edge' && span.kind === KIND.server)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const routes = fresh.filter((span) => span.service === 'edge' && span.kind === KIND.server);
    expect(routes.map((span) => span.name)).toEqual(['POST /api/v1/auth/access']);
    expect(routes[0]?.parentSpanId).toBeUndefined();
    expect(fresh.every((span) => span.traceId === routes[0]?.traceId)).toBe(true);
    // A refused login is the users service's answer, not a failure of the call: outcome `rejected`.
    expect(fresh.find((span) => span.name.startsWith('upstream '))?.attributes['upstream.outcome']).toBe('rejected');
    expect(fresh.some((span) => /healthz|readyz/.test(String(span.attributes['url.path'] ?? span.name)))).toBe(false);
  });
});
