import Fastify from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from '../test/otlp-receiver.js';
import { startTracing, stopTracing } from './index.js';

// A procedure polled on a timer (posts reading users' event feed) is traced on neither side of the
// call, like the probes; any other call still is. One process: the caller's fetch and the server's
// Fastify are both instrumented here.

let receiver: OtlpReceiver;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
});

afterAll(async () => {
  await stopTracing();
  await receiver?.close();
});

it('makes no span for untracedPaths nor probes, on either side, and spans for the rest', async () => {
  expect(
    await startTracing(
      'kit-untraced',
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
      { untracedPaths: ['/trpc/events.feed'] },
    ),
  ).toBe(true);
  const app = Fastify();
  app.get('/trpc/:path', async () => ({ result: { data: null } }));
  app.get('/readyz', async () => ({ status: 'ok' }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    for (const path of ['/trpc/events.feed?input=%7B%7D', '/trpc/events.feed', '/readyz', '/trpc/users.byId?input=1'])
      expect((await fetch(`${url}${path}`)).status).toBe(200);
  } finally {
    await app.close();
  }
  await stopTracing();
  const spans = receiver.spans();
  expect(spans.map((span) => span.name).sort()).toEqual(['GET', 'GET /trpc/:path']);
  const server = spans.find((span) => span.name === 'GET /trpc/:path');
  expect(server?.attributes['rpc.method']).toBe('users.byId');
});
