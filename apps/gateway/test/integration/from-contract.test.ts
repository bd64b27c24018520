import { defineContract } from '@basis/contracts';
import { developmentPublicKey } from '@basis/service-kit/credentials';
import { initTRPC, TRPCError } from '@trpc/server';
import { fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { signAccessToken } from '../../src/auth/access-tokens.js';
import { loadSigningKeys } from '../../src/auth/signing-keys.js';
import { fromContract, via } from '../../src/routers/from-contract.js';
import type { PostProcessStep } from '../../src/routers/post-process.js';
import { type Api, createApi } from '../helpers/api.js';
import { Conformance, type OpenApiDoc } from '../helpers/conformance.js';
import { type RunningGateway, startGateway } from '../helpers/gateway.js';

/** A fixture contract, as a new service (or a new resource of users) would add one. */
const Widget = z
  .object({ id: z.number().int().positive(), name: z.string() })
  .meta({ id: 'Widget', examples: [{ id: 1, name: 'sprocket' }] });
const tags = ['widgets'];
const widgetsContract = defineContract({
  list: {
    type: 'query',
    auth: 'public',
    input: z.object({ limit: z.number().int().min(1).max(10).default(5) }),
    output: z.array(Widget),
    rest: {
      method: 'GET',
      path: '/widgets',
      successStatus: 200,
      summary: 'List widgets',
      tags,
      errors: { 400: 'Bad limit' },
    },
  },
  byId: {
    type: 'query',
    auth: 'user',
    input: z.object({ id: z.number().int().positive() }),
    output: Widget,
    rest: {
      method: 'GET',
      path: '/widgets/{id}',
      successStatus: 200,
      summary: 'Get a widget',
      tags,
      errors: { 400: 'Bad id', 401: 'No token', 404: 'No such widget' },
    },
  },
  create: {
    type: 'mutation',
    auth: 'admin',
    input: z.object({ name: z.string().min(1) }).meta({ examples: [{ name: 'gear' }] }),
    output: Widget,
    rest: {
      method: 'POST',
      path: '/widgets',
      successStatus: 201,
      summary: 'Create a widget',
      tags,
      errors: { 400: 'Bad name', 401: 'No token', 403: 'Not an admin' },
    },
  },
  remove: {
    type: 'mutation',
    auth: 'public',
    input: z.object({ id: z.number().int().positive() }),
    output: z.void(),
    rest: { method: 'DELETE', path: '/widgets/{id}', successStatus: 204, summary: 'Remove a widget', tags, errors: {} },
  },
  recalibrate: { type: 'mutation', auth: 'public', input: z.object({}), output: z.object({ ok: z.boolean() }) },
});

/**
 * A route's own post-processing step: adds a `links.self` and, for a signed-in caller, whether they
 * are an admin (it sees the caller). Its `output` widens the route's schema, so the fields are kept
 * and documented.
 */
const withLinks: PostProcessStep = {
  name: 'links',
  output: (schema) =>
    (schema as z.ZodObject).extend({
      links: z.object({ self: z.string() }),
      viewerIsAdmin: z.boolean().optional(),
    }),
  run: (output, { input, actor }) => ({
    ...(output as object),
    links: { self: `/api/v1/widgets/${(input as { id: number }).id}` },
    ...(actor ? { viewerIsAdmin: actor.role === 'admin' } : {}),
  }),
};

const JWT_SECRET = 'fixture-suite-jwt-secret-at-least-32-bytes';

/** A tiny real tRPC upstream serving `widgets.*`, which leaks an undeclared field on purpose. */
async function startWidgetsService(seen: { authorization?: string | undefined }[]): Promise<FastifyInstance> {
  const t = initTRPC.create();
  const stored = [
    { id: 1, name: 'sprocket', internalCost: 3.5 },
    { id: 2, name: 'cog', internalCost: 1.25 },
  ];
  const widgets = t.router({
    list: t.procedure.input(z.object({ limit: z.number() })).query(({ input }) => stored.slice(0, input.limit)),
    byId: t.procedure.input(z.object({ id: z.number() })).query(({ input }) => {
      const widget = stored.find((candidate) => candidate.id === input.id);
      if (!widget) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such widget' });
      return widget;
    }),
    create: t.procedure
      .input(z.object({ name: z.string() }))
      .mutation(({ input }) => ({ id: 3, name: input.name, internalCost: 9 })),
    remove: t.procedure.input(z.object({ id: z.number() })).mutation(() => undefined),
    recalibrate: t.procedure.mutation(() => ({ ok: true })),
  });
  // The session check every protected route makes: every fixture session is live, with the token's role.
  const internal = t.router({
    sessionActor: t.procedure.input(z.object({ sessionId: z.string(), userId: z.number() })).query(({ input }) => ({
      id: input.userId,
      role: input.userId === 1 ? 'admin' : 'user',
      sessionId: input.sessionId,
    })),
  });
  const app = Fastify();
  app.addHook('onRequest', async (request) => {
    seen.push({ authorization: request.headers.authorization });
  });
  await app.register(fastifyTRPCPlugin, { prefix: '/trpc', trpcOptions: { router: t.router({ widgets, internal }) } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

const seen: { authorization?: string | undefined }[] = [];
let upstream: FastifyInstance;
let gateway: RunningGateway;
let api: Api;
let conformance: Conformance;
let doc: OpenApiDoc;
const tokenFor = (id: number, role: 'user' | 'admin') =>
  signAccessToken(
    { id, role, sessionId: 'session-1' },
    { keys: loadSigningKeys({ algorithm: 'HS256', secret: JWT_SECRET }), ttlSeconds: 60 },
  );

beforeAll(async () => {
  upstream = await startWidgetsService(seen);
  const address = upstream.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  gateway = await startGateway(
    { USERS_SERVICE_URL: `http://127.0.0.1:${port}`, JWT_SECRET },
    // The one line of gateway code a new contract needs:
    {
      routers: {
        widgets: fromContract(widgetsContract, via('users', 'widgets'), { postProcess: { byId: [withLinks] } }),
      },
    },
  );
  doc = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as OpenApiDoc;
  conformance = new Conformance(doc);
  api = createApi(gateway.url, conformance);
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  expect(conformance?.problems ?? []).toEqual([]);
});

describe('a fixture contract mounted with one line', () => {
  it('appears in the OpenAPI document with its statuses, security and components', () => {
    const paths = doc.paths as Record<
      string,
      Record<string, { security?: unknown; responses: Record<string, unknown> }>
    >;
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/widgets', '/widgets/{id}']));
    expect(paths['/widgets']?.get?.security).toEqual([]);
    expect(paths['/widgets']?.post?.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(paths['/widgets']?.post?.responses ?? {})).toContain('201');
    expect(paths['/widgets/{id}']?.delete?.responses['204']).toEqual({ description: 'No content' });
    expect(doc.components?.schemas).toHaveProperty('Widget');
    expect(JSON.stringify(doc)).not.toContain('recalibrate');
  });

  it('serves GET with query coercion and strips fields the contract does not declare', async () => {
    const response = await api('GET', '/api/v1/widgets?limit=1');
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual([{ id: 1, name: 'sprocket' }]);
    expect(response.text).not.toContain('internalCost');
  });

  it('enforces the contract’s auth levels: 401, then 200 and the upstream’s own 404', async () => {
    expect((await api('GET', '/api/v1/widgets/1')).status).toBe(401);
    const found = await api('GET', '/api/v1/widgets/2', { token: tokenFor(7, 'user') });
    expect(found.status).toBe(200);
    expect(found.body).toEqual({ id: 2, name: 'cog', links: { self: '/api/v1/widgets/2' }, viewerIsAdmin: false });
    const missing = await api('GET', '/api/v1/widgets/9', { token: tokenFor(7, 'user') });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'NOT_FOUND', message: 'No such widget' });
  });

  it('runs a route’s own post-processing steps, which see the caller, after stripping undeclared fields', async () => {
    const asAdmin = await api('GET', '/api/v1/widgets/1', { token: tokenFor(1, 'admin') });
    expect(asAdmin.body).toEqual({
      id: 1,
      name: 'sprocket',
      links: { self: '/api/v1/widgets/1' },
      viewerIsAdmin: true,
    });
    expect(asAdmin.text).not.toContain('internalCost');
    // Other routes of the contract have no step.
    expect(JSON.parse((await api('GET', '/api/v1/widgets?limit=1')).text)).toEqual([{ id: 1, name: 'sprocket' }]);
    const schema = JSON.stringify(
      (doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>)['/widgets/{id}']?.get
        ?.responses['200'],
    );
    expect(schema).toContain('links');
  });

  it('answers 403 to a user and 201 to an admin on an admin mutation', async () => {
    expect((await api('POST', '/api/v1/widgets', { token: tokenFor(7, 'user'), json: { name: 'gear' } })).status).toBe(
      403,
    );
    const created = await api('POST', '/api/v1/widgets', { token: tokenFor(1, 'admin'), json: { name: 'gear' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: 3, name: 'gear' });
  });

  it('answers 204 with no body for a void output', async () => {
    const response = await api('DELETE', '/api/v1/widgets/1');
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
  });

  it('never publishes a procedure without a REST route', async () => {
    // `/widgets/recalibrate` is the path `/widgets/{id}`, which serves GET and DELETE only: 405.
    const rest = await api('POST', '/api/v1/widgets/recalibrate', { json: {} });
    expect(rest.status).toBe(405);
    expect(rest.headers.get('allow')).toBe('GET, HEAD, DELETE');
    const trpc = await fetch(`${gateway.url}/trpc/widgets.recalibrate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(trpc.status).toBe(404);
  });

  it('sends the upstream a fresh short-lived service token naming the caller', async () => {
    seen.length = 0;
    await api('GET', '/api/v1/widgets/2', { token: tokenFor(7, 'user') });
    const header = seen.at(-1)?.authorization ?? '';
    expect(header).toMatch(/^Bearer /);
    const claims = jwt.verify(header.slice('Bearer '.length), developmentPublicKey('gateway'), {
      algorithms: ['ES256'],
      audience: 'users',
      issuer: 'gateway',
    }) as jwt.JwtPayload;
    expect(claims).toMatchObject({ sub: '7', role: 'user', sid: 'session-1' });
    expect(Number(claims.exp) - Number(claims.iat)).toBeLessThanOrEqual(60);
  });
});
