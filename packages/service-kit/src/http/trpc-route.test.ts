import { initTRPC, TRPCError } from '@trpc/server';
import { fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { registerTRPCRoute } from './trpc-route.js';

interface Ctx {
  user: string | undefined;
}

/**
 * A router that exercises every answer tRPC gives a single call: data, void, refusals, bad input and
 * output, and an errorFormatter of its own (dropping the stack, whose frames differ between the paths).
 */
const t = initTRPC.context<Ctx>().create({
  errorFormatter: ({ shape, error }) => {
    const { stack: _stack, ...data } = shape.data;
    return { ...shape, data: { ...data, formatted: error.code } };
  },
});
const router = t.router({
  things: t.router({
    get: t.procedure
      .input(z.object({ id: z.number().int().positive() }))
      .output(z.object({ id: z.number(), name: z.string() }))
      .query(({ input }) => {
        if (input.id === 404) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such thing' });
        if (input.id === 500) throw new Error('relation "things" does not exist');
        if (input.id === 502) return { id: input.id } as unknown as { id: number; name: string };
        return { id: input.id, name: `thing ${input.id}` };
      }),
    whoami: t.procedure.query(({ ctx }) => {
      if (ctx.user === undefined) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Who are you?' });
      return { user: ctx.user };
    }),
    echo: t.procedure.input(z.unknown()).query(({ input }) => ({ input: input ?? null })),
    make: t.procedure.input(z.object({ name: z.string().min(1) })).mutation(({ input }) => {
      if (input.name === 'taken') throw new TRPCError({ code: 'CONFLICT', message: 'Thing exists' });
      return { name: input.name };
    }),
    forget: t.procedure.input(z.object({ id: z.number() })).mutation(() => undefined),
  }),
});

/** What each server's onError saw, in order: the code and path of every failed call. */
type Seen = Array<{ code: string; path: string | undefined }>;

const createContext = (req: FastifyRequest): Ctx => {
  const user = req.headers['x-user'];
  if (user === 'explode') throw new TRPCError({ code: 'FORBIDDEN', message: 'Context refused' });
  return { user: typeof user === 'string' ? user : undefined };
};

/** tRPC's own Fastify plugin: the reference every answer is compared with. */
async function reference(seen: Seen): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router,
      createContext: ({ req }: { req: FastifyRequest }) => createContext(req),
      onError: ({ error, path }: { error: TRPCError; path: string | undefined }) =>
        seen.push({ code: error.code, path }),
    },
  });
  return app;
}

async function direct(seen: Seen): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(async (scope) => {
    registerTRPCRoute(scope, {
      prefix: '/trpc',
      router,
      createContext,
      onError: ({ error, path }) => seen.push({ code: error.code, path }),
    });
  });
  return app;
}

interface Call {
  name: string;
  method?: string;
  url: string;
  body?: string;
  headers?: Record<string, string>;
}

const input = (value: unknown) => `input=${encodeURIComponent(JSON.stringify(value))}`;
const json = { 'content-type': 'application/json' };

/** Every kind of single call, and the ones the direct path hands to tRPC. */
const calls: Call[] = [
  { name: 'a query', url: `/trpc/things.get?${input({ id: 7 })}` },
  { name: 'a query refused by its resolver', url: `/trpc/things.get?${input({ id: 404 })}` },
  { name: 'a query failing unexpectedly', url: `/trpc/things.get?${input({ id: 500 })}` },
  { name: 'a query whose output fails its schema', url: `/trpc/things.get?${input({ id: 502 })}` },
  { name: 'a query with invalid input', url: `/trpc/things.get?${input({ id: -1 })}` },
  { name: 'a query without input', url: '/trpc/things.get' },
  { name: 'a query with an empty input', url: '/trpc/things.get?input=' },
  { name: 'a query with unparsable input', url: '/trpc/things.get?input=%7Bx' },
  { name: 'a query with input given twice', url: `/trpc/things.get?${input({ id: 1 })}&${input({ id: 2 })}` },
  { name: 'a query of JSON null', url: `/trpc/things.echo?${input(null)}` },
  { name: 'a query of a string', url: `/trpc/things.echo?${input('a "quoted" string ✓')}` },
  { name: 'a query without input schema', url: '/trpc/things.whoami', headers: { 'x-user': 'ada' } },
  { name: 'a query refused for want of a user', url: '/trpc/things.whoami' },
  { name: 'a call whose context throws', url: '/trpc/things.whoami', headers: { 'x-user': 'explode' } },
  { name: 'a mutation', method: 'POST', url: '/trpc/things.make', body: '{"name":"box"}', headers: json },
  { name: 'a mutation answering nothing', method: 'POST', url: '/trpc/things.forget', body: '{"id":1}', headers: json },
  {
    name: 'a mutation with a charset',
    method: 'POST',
    url: '/trpc/things.make',
    body: '{"name":"box"}',
    headers: { 'content-type': 'application/json; charset=utf-8' },
  },
  { name: 'a mutation refused', method: 'POST', url: '/trpc/things.make', body: '{"name":"taken"}', headers: json },
  {
    name: 'a mutation with invalid input',
    method: 'POST',
    url: '/trpc/things.make',
    body: '{"name":""}',
    headers: json,
  },
  { name: 'a mutation with unparsable JSON', method: 'POST', url: '/trpc/things.make', body: '{x', headers: json },
  { name: 'a mutation with an empty body', method: 'POST', url: '/trpc/things.make', body: '', headers: json },
  {
    name: 'a mutation as text/plain',
    method: 'POST',
    url: '/trpc/things.make',
    body: '{}',
    headers: { 'content-type': 'text/plain' },
  },
  { name: 'a mutation by GET', url: '/trpc/things.make' },
  { name: 'a query by POST', method: 'POST', url: '/trpc/things.get', body: '{"id":1}', headers: json },
  { name: 'an unknown procedure', url: '/trpc/things.nope' },
  { name: 'a batch', url: `/trpc/things.get,things.whoami?batch=1&${input({ 0: { id: 3 } })}` },
  {
    name: 'a batch of one mutation',
    method: 'POST',
    url: '/trpc/things.make?batch=1',
    body: '{"0":{"name":"b"}}',
    headers: json,
  },
  {
    name: 'a streaming call',
    url: `/trpc/things.get?${input({ id: 3 })}`,
    headers: { 'trpc-accept': 'application/jsonl' },
  },
  { name: 'a HEAD', method: 'HEAD', url: '/trpc/things.get' },
];

describe('registerTRPCRoute', () => {
  const seenByReference: Seen = [];
  const seenDirectly: Seen = [];
  let referenceApp: FastifyInstance;
  let directApp: FastifyInstance;
  beforeAll(async () => {
    referenceApp = await reference(seenByReference);
    directApp = await direct(seenDirectly);
  });
  afterAll(async () => {
    await referenceApp?.close();
    await directApp?.close();
  });

  it.each(calls)('answers $name exactly as tRPC’s Fastify adapter does', async (call) => {
    const request = {
      method: (call.method ?? 'GET') as 'GET',
      url: call.url,
      ...(call.body === undefined ? {} : { payload: call.body }),
      headers: call.headers ?? {},
    };
    seenByReference.length = 0;
    seenDirectly.length = 0;
    const expected = await referenceApp.inject(request);
    const actual = await directApp.inject(request);
    expect(actual.statusCode).toBe(expected.statusCode);
    expect(actual.body).toBe(expected.body);
    const mediaType = (value: unknown) => String(value ?? '').split(';')[0];
    expect(mediaType(actual.headers['content-type'])).toBe(mediaType(expected.headers['content-type']));
    expect(actual.headers.vary).toBe(expected.headers.vary);
    expect(actual.headers.allow).toBe(expected.headers.allow);
    expect(seenDirectly).toEqual(seenByReference);
  });

  it.each([
    'a query',
    'a query refused by its resolver',
    'a query with invalid input',
    'a call whose context throws',
    'a mutation',
    'a mutation refused',
  ])('answers %s itself, in one piece with its length (tRPC’s adapter streams it chunked)', async (name) => {
    const call = calls.find((candidate) => candidate.name === name);
    if (!call) throw new Error(`no call named ${name}`);
    const answer = await directApp.inject({
      method: (call.method ?? 'GET') as 'GET',
      url: call.url,
      ...(call.body === undefined ? {} : { payload: call.body }),
      headers: call.headers ?? {},
    });
    expect(answer.headers['transfer-encoding']).toBeUndefined();
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(answer.body)));
  });

  it('hands a batch to tRPC’s adapter', async () => {
    const answer = await directApp.inject({
      method: 'GET',
      url: `/trpc/things.get?batch=1&${input({ 0: { id: 3 } })}`,
    });
    expect(answer.headers['transfer-encoding']).toBe('chunked');
    expect(answer.json()).toEqual([{ result: { data: { id: 3, name: 'thing 3' } } }]);
  });
});
