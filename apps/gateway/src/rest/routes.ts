import { type CachePolicy, TokenResponse } from '@basis/contracts';
import { type AnyTRPCProcedure, type AnyTRPCRouter, getTRPCErrorFromUnknown, type TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { cacheControl, ifNoneMatchMatches, strongEtag } from '../cache/conditional.js';
import { sendErrorEnvelope } from '../http/error-envelope.js';
import { IDEMPOTENCY_KEY_HEADER, type IdempotencyDecision, type IdempotencyStore } from '../http/idempotency.js';
import { registerJsonBodyParser } from '../http/json-body.js';
import { errorHeaders, TOKEN_RESPONSE_HEADERS } from '../http/response-meta.js';
import { type Pipeline, pipelineOf } from '../routers/pipeline.js';
import { type PublishedRoute, publishedRoutes } from '../routers/published-routes.js';
import type { GatewayContext } from '../trpc.js';
import { type InputPlan, planInput, readInput } from './input.js';

/** What a compiled REST route needs from the gateway, per request. */
export interface RestRouteOptions {
  /** The router whose `meta.openapi` procedures are published (the gateway router). */
  router: AnyTRPCRouter;
  /** The REST base path, e.g. `/api/v1`. */
  basePath: string;
  /** The context of a call (the same one `/trpc` uses). */
  createContext(request: FastifyRequest, reply: FastifyReply): GatewayContext | Promise<GatewayContext>;
  /**
   * Runs before each call, after the context: the limits counted per procedure call at the edge.
   * @throws a TRPCError (429) to refuse the call
   */
  beforeCall?(ctx: GatewayContext, procedure: string): Promise<void>;
  /** Logs a failed call (the same hook `/trpc` uses). */
  onError(opts: { error: TRPCError; path: string; req: FastifyRequest }): void;
  /** Replays POST answers by `Idempotency-Key` (http/idempotency.ts); the header is ignored without it. */
  idempotency?: IdempotencyStore;
}

/** A REST path template in Fastify's syntax: `/users/{id}` → `/users/:id`. */
export function fastifyPath(template: string): string {
  return template.replace(/\{([^}]+)\}/g, ':$1');
}

/** A Fastify route URL back to the REST template it was compiled from: `/api/v1/users/:id` → `/api/v1/users/{id}`. */
export function templateOf(fastifyUrl: string): string {
  return fastifyUrl.replace(/:([^/]+)/g, '{$1}').replace(/(.)\/$/, '$1');
}

/** Whether a procedure answers with tokens (its output is the contract's `TokenResponse`). */
function answersTokens(procedure: AnyTRPCProcedure): boolean {
  return (procedure._def as { output?: unknown }).output === TokenResponse;
}

/**
 * The tRPC paths of a router's token procedures (`auth.access`, `auth.refresh`): those whose
 * output is the contract's `TokenResponse`, whose answers must not be cached (RFC 6749 §5.1).
 */
export function tokenProcedures(router: AnyTRPCRouter): Set<string> {
  const procedures = Object.entries(router._def.procedures as Record<string, AnyTRPCProcedure>);
  return new Set(procedures.filter(([, procedure]) => answersTokens(procedure)).map(([path]) => path));
}

interface CompiledRoute {
  procedure: string;
  /** The procedure's pipeline (routers/pipeline.ts): what its tRPC resolver runs, called directly. */
  run: Pipeline;
  plan: InputPlan;
  successStatus: number;
  /** Headers every answer of this route carries (success and error alike, refusals before the handler too). */
  fixedHeaders: Record<string, string> | undefined;
  /** The contract's cache policy: `Cache-Control` of its 200s (`no-store` without one). */
  cachePolicy: CachePolicy | undefined;
  /** A POST that honours `Idempotency-Key` (every POST but the token procedures). */
  idempotent: boolean;
}

function compile(route: PublishedRoute, procedure: AnyTRPCProcedure): CompiledRoute {
  const def = procedure._def as unknown as { inputs: z.ZodType[] };
  const run = pipelineOf(procedure);
  if (!run)
    throw new Error(`${route.procedure} has a REST route but no pipeline (routers/pipeline.ts publishPipeline)`);
  return {
    procedure: route.procedure,
    run,
    plan: planInput(def.inputs[0], route.rest.method),
    successStatus: route.rest.successStatus,
    // RFC 6749 §5.1: a response carrying tokens must not be stored by any cache.
    fixedHeaders: answersTokens(procedure) ? TOKEN_RESPONSE_HEADERS : undefined,
    cachePolicy: route.rest.cache,
    idempotent: route.rest.method === 'POST' && !answersTokens(procedure),
  };
}

function handlerFor(route: CompiledRoute, options: RestRouteOptions) {
  const { createContext, beforeCall, onError, idempotency } = options;
  const { procedure: path, run, plan, successStatus, cachePolicy, idempotent } = route;
  const successCacheControl = cacheControl(cachePolicy);
  return async function restHandler(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    // Caching (cache/*): no-store unless a 200 of a route with a policy says otherwise.
    void reply.header('cache-control', 'no-store');
    if (cachePolicy?.scope === 'private') void reply.header('vary', 'Authorization');
    let data: unknown;
    let pendingKey: Extract<IdempotencyDecision, { kind: 'proceed' }> | undefined;
    try {
      const input = readInput(plan, request);
      const ctx = await createContext(request, reply);
      const keyHeader = request.headers[IDEMPOTENCY_KEY_HEADER];
      if (idempotent && idempotency && typeof keyHeader === 'string') {
        const scope = `${path}|${ctx.actor?.id ?? 'anonymous'}`;
        const decision = await idempotency.begin(keyHeader, scope, input);
        if (decision.kind !== 'proceed') {
          sendIdempotencyDecision(request, reply, decision);
          return;
        }
        pendingKey = decision;
      }
      if (beforeCall) await beforeCall(ctx, path);
      data = await run(ctx, input);
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      onError({ error, path, req: request });
      const status = getHTTPStatusCodeFromError(error);
      const body = errorBody(error);
      const headers = errorHeaders(error);
      await pendingKey?.finish({ status, body: JSON.stringify(body), headers });
      sendErrorEnvelope(request, reply, status, body, headers);
      return;
    }
    if (successStatus === 204) {
      await pendingKey?.finish({ status: 204, body: '', headers: {} });
      void reply.code(204).send();
      return;
    }
    const representation = representationOf(data);
    const { body } = representation;
    await pendingKey?.finish({ status: successStatus, body, headers: {} });
    if (successStatus === 200 && (request.method === 'GET' || request.method === 'HEAD')) {
      // RFC 9110 §13.1.2: a current tag in If-None-Match answers 304, with the tag and no body.
      const etag = representation.etag();
      void reply.header('etag', etag).header('cache-control', successCacheControl);
      if (ifNoneMatchMatches(request.headers['if-none-match'], etag)) {
        void reply.code(304).send();
        return;
      }
    }
    void reply.code(successStatus).header('content-type', 'application/json; charset=utf-8').send(body);
  };
}

/** An answer as sent: its JSON text, and its strong ETag (computed when asked). */
interface Representation {
  body: string;
  etag(): string;
}

/** The representations of frozen answers: cache entries shared by their hits (cache/hot-entries.ts). */
const representations = new WeakMap<object, Representation>();

/**
 * The JSON body of an answer and its strong ETag (SHA-1 of the body). A frozen answer is the same
 * cache entry on every hit (it cannot change), so its body and tag are computed once and kept as
 * long as the entry lives; any other answer is serialized per request, its tag hashed only for a GET.
 */
function representationOf(data: unknown): Representation {
  const frozen = data !== null && typeof data === 'object' && Object.isFrozen(data);
  if (frozen) {
    const known = representations.get(data);
    if (known) return known;
  }
  const body = JSON.stringify(data ?? null);
  let etag: string | undefined;
  const representation = { body, etag: () => (etag ??= strongEtag(body)) };
  if (frozen) representations.set(data, representation);
  return representation;
}

/** Answers a POST whose `Idempotency-Key` says not to run it: the first answer again, 409, 422 or 400. */
function sendIdempotencyDecision(
  request: FastifyRequest,
  reply: FastifyReply,
  decision: Exclude<IdempotencyDecision, { kind: 'proceed' }>,
): void {
  if (decision.kind === 'replay') {
    const { status, body, headers } = decision.answer;
    void reply.header('idempotent-replayed', 'true');
    if (status >= 400) {
      sendErrorEnvelope(request, reply, status, JSON.parse(body) as { code: string; message: string }, headers);
      return;
    }
    if (status === 204) {
      void reply.code(204).send();
      return;
    }
    void reply.code(status).headers(headers).header('content-type', 'application/json; charset=utf-8').send(body);
    return;
  }
  if (decision.kind === 'in-flight') {
    sendErrorEnvelope(request, reply, 409, {
      code: 'CONFLICT',
      message: 'A request with this Idempotency-Key is still being processed; retry later',
    });
    return;
  }
  if (decision.kind === 'mismatch') {
    sendErrorEnvelope(request, reply, 422, {
      code: 'UNPROCESSABLE_CONTENT',
      message: 'This Idempotency-Key was used with another request body',
    });
    return;
  }
  sendErrorEnvelope(request, reply, 400, {
    code: 'BAD_REQUEST',
    message: 'Idempotency-Key must be 1..255 printable ASCII characters',
  });
}

/** The envelope fields of a procedure error: its code, its message, and zod's issues for invalid input. */
function errorBody(error: TRPCError): { code: string; message: string; issues?: unknown } {
  const issues = (error.cause as { issues?: unknown } | undefined)?.issues;
  if (error.code === 'BAD_REQUEST' && Array.isArray(issues)) {
    const named = issues
      .map((issue: { path?: unknown[] }) => (Array.isArray(issue.path) ? issue.path.join('.') : ''))
      .filter((name) => name !== '');
    const fields = [...new Set(named)];
    return {
      code: error.code,
      message: fields.length > 0 ? `Invalid input: ${fields.join(', ')}` : 'Invalid input',
      issues,
    };
  }
  return { code: error.code, message: error.message };
}

/**
 * Compiles every procedure of `options.router` that has `meta.openapi` into one Fastify route
 * under `options.basePath` (trpc-to-openapi stays the source of the paths and of the OpenAPI
 * document; its per-request adapter is not used). Per request a route reads its input
 * (rest/input.ts), creates the context, counts the call (`beforeCall`), runs the procedure's
 * pipeline (routers/pipeline.ts: the function its tRPC resolver runs, without tRPC's call
 * machinery), and answers the contract's success status (204: no body, no
 * content-type) or the error envelope with the error's headers. HEAD is GET without a body; the
 * methods a path does not serve get 405 from http/method-not-allowed.ts. The routes
 * parse JSON with a nesting limit (http/json-body.ts) and accept no other content type (415).
 * @returns the published routes, in the router's order
 */
export async function registerRestRoutes(app: FastifyInstance, options: RestRouteOptions): Promise<PublishedRoute[]> {
  const routes = publishedRoutes(options.router);
  const procedures = options.router._def.procedures as Record<string, AnyTRPCProcedure>;
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    registerJsonBodyParser(scope);
    for (const route of routes) {
      const procedure = procedures[route.procedure];
      if (!procedure) continue;
      const compiled = compile(route, procedure);
      const handler = handlerFor(compiled, options);
      const { fixedHeaders } = compiled;
      // Set on the request, so that refusals before the handler (malformed JSON, 415) carry them too.
      const onRequest = fixedHeaders
        ? (_request: FastifyRequest, reply: FastifyReply, done: () => void) => {
            void reply.headers(fixedHeaders);
            done();
          }
        : undefined;
      const url = `${options.basePath}${fastifyPath(route.rest.path)}`;
      for (const variant of [url, `${url}/`])
        scope.route({ method: route.rest.method, url: variant, handler, ...(onRequest ? { onRequest } : {}) });
    }
  });
  return routes;
}
