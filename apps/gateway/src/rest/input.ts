import { TRPCError } from '@trpc/server';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';

/** How one REST route turns a request into its procedure's raw input; fixed when the route is compiled. */
export interface InputPlan {
  /** The input comes from a JSON body (POST, PATCH, PUT) rather than the query string (GET, DELETE). */
  fromBody: boolean;
  /** The procedure takes no input (`z.void()`): nothing is read. */
  none: boolean;
  /** Query parameters the input declares as arrays: a single `?tag=a` becomes `['a']`. */
  arrayKeys: ReadonlySet<string>;
}

function isVoidLike(schema: z.ZodType | undefined): boolean {
  if (schema === undefined) return true;
  let inner: z.ZodType = schema;
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodNullable) inner = inner.unwrap() as z.ZodType;
  return inner instanceof z.ZodVoid || inner instanceof z.ZodUndefined || inner instanceof z.ZodNever;
}

function isArrayLike(schema: z.ZodType): boolean {
  let inner: z.ZodType = schema;
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodDefault || inner instanceof z.ZodNullable)
    inner = inner.unwrap() as z.ZodType;
  return inner instanceof z.ZodArray;
}

/**
 * Plans how a route reads its input, from the procedure's input schema (the first `.input()`).
 * @param schema the procedure's input parser, or `undefined` when it declares none
 * @param method the route's HTTP method
 */
export function planInput(schema: z.ZodType | undefined, method: string): InputPlan {
  const fromBody = method !== 'GET' && method !== 'DELETE';
  const arrayKeys = new Set<string>();
  if (!fromBody && schema instanceof z.ZodObject) {
    for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>))
      if (isArrayLike(field)) arrayKeys.add(key);
  }
  return { fromBody, none: isVoidLike(schema), arrayKeys };
}

const BODY_REQUIRED = 'Request body required: a JSON object with content-type application/json';

/**
 * The raw input of one REST call, as trpc-to-openapi assembled it: the JSON body (POST, PATCH,
 * PUT) or the query string (GET, DELETE), with the path parameters on top (a path `id` wins over a
 * body `id`). Values stay strings; the procedure's input schema (routers/rest-input.ts) coerces them.
 * Unlike trpc-to-openapi, an empty query value (`?limit=`) is kept, so it is refused rather than
 * read as absent, and a body that is not a JSON object is refused rather than spread.
 * @returns the input, or `undefined` for a procedure without input
 * @throws {TRPCError} BAD_REQUEST when a body is required but missing, or not a JSON object
 */
export function readInput(plan: InputPlan, request: FastifyRequest): unknown {
  if (plan.none) return undefined;
  const input: Record<string, unknown> = {};
  if (plan.fromBody) {
    const body = request.body;
    if (body === undefined) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: BODY_REQUIRED });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: 'Request body must be a JSON object' });
    }
    Object.assign(input, body);
  } else {
    const query = request.query as Record<string, string | string[]>;
    for (const key in query) {
      // `?__proto__=…` would set the input's prototype: no schema declares it, drop it.
      if (key === '__proto__') continue;
      const value = query[key];
      input[key] = plan.arrayKeys.has(key) && typeof value === 'string' ? [value] : value;
    }
  }
  const params = request.params as Record<string, string>;
  for (const key in params) input[key] = params[key];
  return input;
}
