import { describe, expect, it } from 'vitest';
import { TRPC_MAX_BATCH_SIZE } from '../../src/http/trpc-endpoint.js';
import { startFakeUpstream } from '../helpers/fake-upstream.js';
import { startGateway } from '../helpers/gateway.js';
import { type Session, type Stack, useStack } from '../helpers/stack.js';

// Regression tests for issue 10 item 7: `GET /trpc/users.me,…×300?batch=1` ran 300 calls, and an
// anonymous batch of 100 `auth.logout` made 100 upstream calls.

let stack: Stack;
let user: Session;

useStack({}, async (started) => {
  stack = started;
  user = await stack.newUser();
});

const batchPath = (procedure: string, size: number) =>
  `/trpc/${Array.from({ length: size }, () => procedure).join(',')}?batch=1`;

describe('GET /trpc/users.me,…×300?batch=1', () => {
  it('answers 400 before any call runs', async () => {
    const response = await fetch(`${stack.gateway.url}${batchPath('users.me', 300)}`, {
      headers: { authorization: `Bearer ${user.access}` },
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/Batch call exceeds maximum size/);
  });

  it(`still serves a batch of ${TRPC_MAX_BATCH_SIZE}`, async () => {
    const response = await fetch(`${stack.gateway.url}${batchPath('users.me', TRPC_MAX_BATCH_SIZE)}`, {
      headers: { authorization: `Bearer ${user.access}` },
    });
    expect(response.status).toBe(200);
    const items = (await response.json()) as { result?: { data?: { id?: number } } }[];
    expect(items).toHaveLength(TRPC_MAX_BATCH_SIZE);
    expect(items.every((item) => item.result?.data?.id === user.id)).toBe(true);
  });
});

describe('POST /trpc/auth.logout,…×100?batch=1, anonymous', () => {
  it('makes no upstream call at all', async () => {
    await using upstream = await startFakeUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ result: { data: null } }));
    });
    await using gateway = await startGateway({ USERS_SERVICE_URL: upstream.url });
    const body = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [String(i), { refresh_token: `s.${i}` }]));
    const response = await fetch(`${gateway.url}${batchPath('auth.logout', 100)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(400);
    expect(upstream.requests).toHaveLength(0);
  });
});
