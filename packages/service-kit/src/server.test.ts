import { defineContract } from '@basis/contracts';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadServiceCredentials } from './credentials/keys.js';
import { buildServiceServer } from './server.js';
import { mintServiceToken } from './test/tokens.js';
import { initService, type ServiceContext } from './trpc.js';

/** A two-procedure contract, enough to drive every path of `implement` and the server. */
const widgetsContract = defineContract({
  whoami: { type: 'query', auth: 'user', input: z.object({}), output: z.object({ id: z.number(), role: z.string() }) },
  make: {
    type: 'mutation',
    auth: 'admin',
    input: z.object({ name: z.string().min(1) }),
    output: z.object({ name: z.string() }),
  },
  count: { type: 'query', auth: 'public', input: z.object({}), output: z.object({ n: z.number() }) },
  echo: {
    type: 'query',
    auth: 'public',
    input: z.object({ word: z.string().trim().min(1) }),
    output: z.object({ word: z.string().max(5) }),
  },
  feed: {
    type: 'query',
    auth: 'public',
    callers: ['posts'],
    input: z.object({ after: z.number() }),
    output: z.object({ n: z.number() }),
  },
});

/** The widgets service trusts the gateway and posts (development keys); it knows no other caller. */
const { credentials } = loadServiceCredentials({
  identity: 'widgets',
  production: false,
  privateKey: undefined,
  callerKeys: { gateway: undefined, posts: undefined },
});

interface WidgetsContext extends ServiceContext {
  /** What `make` does with a name: here, throw what the test asks for. */
  failure: (name: string) => unknown;
}

const service = initService<WidgetsContext>({
  // Refuses user 13 the way users refuses a revoked session; the claim otherwise.
  resolveActor: async (ctx) => {
    if (ctx.claimedActor?.id === 13)
      throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Session expired or revoked' });
    return ctx.claimedActor;
  },
  messages: { conflict: 'Widget exists' },
});
const router = service.router({
  widgets: service.router({
    whoami: service.implement(widgetsContract.whoami, async ({ ctx }) => ({
      id: ctx.actor?.id ?? 0,
      role: ctx.actor?.role ?? 'none',
    })),
    make: service.implement(widgetsContract.make, async ({ ctx, input }) => {
      const failure = ctx.failure(input.name);
      if (failure) throw failure;
      return { name: input.name };
    }),
    count: service.implement(widgetsContract.count, async () => ({ n: 1 })),
    echo: service.implement(widgetsContract.echo, async ({ input }) => ({ word: input.word })),
    feed: service.implement(widgetsContract.feed, async ({ ctx, input }) => ({
      n: ctx.caller === 'posts' ? input.after : -1,
    })),
  }),
});

const failures: Record<string, unknown> = {
  taken: Object.assign(new Error('Failed query: insert … params: secret'), { cause: { code: '23505' } }),
  broken: new Error('relation "widgets" does not exist'),
  gone: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
};

/** Calls `widgets.<path>` over HTTP with a credential for `actor` (or the raw `authorization`). */
async function call(
  base: string,
  path: string,
  options: {
    actor?: { id: number; role: 'user' | 'admin' } | null;
    authorization?: string;
    input?: unknown;
    issuer?: string;
  } = {},
) {
  const issuer = options.issuer ?? 'gateway';
  const authorization =
    options.authorization ?? `Bearer ${mintServiceToken('widgets', options.actor ?? null, { issuer })}`;
  const mutation = path === 'make';
  const input = encodeURIComponent(JSON.stringify(options.input ?? {}));
  const response = await fetch(`${base}/trpc/widgets.${path}${mutation ? '' : `?input=${input}`}`, {
    method: mutation ? 'POST' : 'GET',
    headers: { authorization, 'content-type': 'application/json' },
    ...(mutation ? { body: JSON.stringify(options.input ?? {}) } : {}),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Record<string, Record<string, unknown>> };
}

describe('buildServiceServer with initService and implement', () => {
  let base: string;
  let ready = true;
  const app = buildServiceServer({
    env: { LOG_LEVEL: 'silent', NODE_ENV: 'test', SERVICE_CREDENTIALS: credentials },
    router,
    createContext: (context): WidgetsContext => ({ ...context, failure: (name) => failures[name] }),
    ready: async () => {
      if (!ready) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    },
  });
  beforeAll(async () => {
    base = await (await app).listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await (await app).close();
  });

  it('answers 401 SERVICE_TOKEN_REJECTED to a credential for another audience, even on a public procedure', async () => {
    const { status, body } = await call(base, 'count', { authorization: `Bearer ${mintServiceToken('users', null)}` });
    expect(status).toBe(401);
    expect(body.error?.data).toMatchObject({ code: 'UNAUTHORIZED', reason: 'SERVICE_TOKEN_REJECTED' });
  });

  it('answers 401 to a caller it has no key for, before looking at the procedure', async () => {
    const { status, body } = await call(base, 'count', { issuer: 'billing' });
    expect(status).toBe(401);
    expect(body.error?.data).toMatchObject({ code: 'UNAUTHORIZED', reason: 'SERVICE_TOKEN_REJECTED' });
  });

  it('answers 403 CALLER_NOT_ALLOWED, naming caller and procedure, to a valid caller off the allow-list', async () => {
    const asPosts = await call(base, 'count', { issuer: 'posts' });
    expect([asPosts.status, asPosts.body.error?.message]).toEqual([403, 'Caller "posts" may not call widgets.count']);
    expect(asPosts.body.error?.data).toMatchObject({ code: 'FORBIDDEN', reason: 'CALLER_NOT_ALLOWED' });
    const asGateway = await call(base, 'feed', { input: { after: 3 } });
    expect([asGateway.status, asGateway.body.error?.message]).toEqual([
      403,
      'Caller "gateway" may not call widgets.feed',
    ]);
    const allowed = await call(base, 'feed', { issuer: 'posts', input: { after: 3 } });
    expect(allowed.body.result?.data).toEqual({ n: 3 });
  });

  it('refuses a caller before parsing the input: invalid input still gets 403, not 400', async () => {
    const { status } = await call(base, 'feed', { input: { after: 'not a number' } });
    expect(status).toBe(403);
  });

  it('checks every member of a batch: one procedure off the list refuses the whole batch', async () => {
    const token = mintServiceToken('widgets', null, { issuer: 'posts' });
    const input = encodeURIComponent(JSON.stringify({ 0: { after: 1 }, 1: {} }));
    const response = await fetch(`${base}/trpc/widgets.feed,widgets.count?batch=1&input=${input}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await response.json()) as { error: { message: string } }[];
    expect(response.status).toBe(403);
    expect(body.map((member) => member.error.message)).toEqual([
      'Caller "posts" may not call widgets.count',
      'Caller "posts" may not call widgets.count',
    ]);
  });

  it('serves a public procedure to an anonymous credential', async () => {
    expect((await call(base, 'count')).body.result?.data).toEqual({ n: 1 });
  });

  it('enforces the contract auth level: 401 anonymous, 403 not admin, and gives resolvers the actor', async () => {
    expect((await call(base, 'whoami')).status).toBe(401);
    expect((await call(base, 'make', { actor: { id: 2, role: 'user' }, input: { name: 'w' } })).status).toBe(403);
    expect((await call(base, 'whoami', { actor: { id: 2, role: 'user' } })).body.result?.data).toEqual({
      id: 2,
      role: 'user',
    });
  });

  it('lets resolveActor refuse a caller with its own error', async () => {
    const { status, body } = await call(base, 'whoami', { actor: { id: 13, role: 'user' } });
    expect([status, body.error?.message]).toEqual([401, 'Session expired or revoked']);
  });

  it('answers 400 with the zod issues naming the field', async () => {
    const { status, body } = await call(base, 'make', { actor: { id: 1, role: 'admin' }, input: { name: '' } });
    expect(status).toBe(400);
    expect(body.error?.data).toMatchObject({
      code: 'BAD_REQUEST',
      issues: [expect.objectContaining({ path: ['name'] })],
    });
  });

  it('gives the resolver the input as the contract parsed it', async () => {
    expect((await call(base, 'echo', { input: { word: '  hi  ' } })).body.result?.data).toEqual({ word: 'hi' });
  });

  it('parses the input before resolving the actor: invalid input from nobody is 400, not 401', async () => {
    const { status, body } = await call(base, 'whoami', { input: 'not an object' });
    expect(status).toBe(400);
    expect(body.error?.data).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('answers 500 without the value when a resolver returns what the output schema refuses', async () => {
    const answer = await call(base, 'echo', { input: { word: 'toolong' } });
    expect([answer.status, answer.body.error?.message]).toEqual([500, 'Internal server error']);
    expect(answer.text).not.toContain('toolong');
  });

  it.each([
    ['taken', 409, 'Widget exists'],
    ['gone', 503, 'Database unavailable'],
    ['broken', 500, 'Internal server error'],
  ])(
    'maps a resolver throwing %s through the error table to %i, without the cause or a stack',
    async (name, status, message) => {
      const answer = await call(base, 'make', { actor: { id: 1, role: 'admin' }, input: { name } });
      expect([answer.status, answer.body.error?.message]).toEqual([status, message]);
      expect(answer.text).not.toMatch(/secret|relation|ECONNREFUSED|"stack"/);
    },
  );

  it('serves /healthz always and /readyz 503 while the probe fails, each with x-request-id', async () => {
    const health = await fetch(`${base}/healthz`, { headers: { 'x-request-id': 'kit-1' } });
    expect([health.status, health.headers.get('x-request-id')]).toEqual([200, 'kit-1']);
    ready = false;
    const down = await fetch(`${base}/readyz`);
    expect([down.status, await down.json()]).toEqual([503, { status: 'unavailable' }]);
    ready = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });
});
