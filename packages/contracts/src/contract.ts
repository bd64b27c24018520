import type { z } from 'zod';

/**
 * Who may call a procedure:
 * - `public`: anyone;
 * - `user`: any authenticated user;
 * - `admin`: users with role `admin`;
 * - `selfOrAdmin`: an admin, or the user whose `id` is the input's `id`.
 */
export type AuthLevel = 'public' | 'user' | 'admin' | 'selfOrAdmin';

/** HTTP methods a REST route may use (those trpc-to-openapi supports). */
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** Error statuses a route documents, each with a one-line reason shown in the OpenAPI document. */
export type ErrorResponses = Partial<Record<400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 502 | 503 | 504, string>>;

/**
 * How the gateway may cache a query's successful answers (SPEC: Caching and conditional requests).
 * `public`: one entry for everyone (`Cache-Control: public, max-age=N`); `private`: one entry per
 * caller, served only to that caller after their session check (`private, max-age=N`,
 * `Vary: Authorization`). `tags` name what an entry depends on, so that a mutation declaring one of
 * them in `invalidates` drops it: each tag is a template where `{field}` is the parsed input's field
 * and `{caller}` the caller's user id (e.g. `posts/{id}`, `users/{caller}`).
 */
export interface CachePolicy {
  scope: 'public' | 'private';
  /** Seconds an answer stays fresh (the gateway's entry and the client's `max-age`). */
  maxAgeSeconds: number;
  /** Tag templates this route's entries carry; a mutation's `invalidates` lists some of them. */
  tags: readonly string[];
}

/** How a procedure is republished as REST by the gateway. `path` is relative to `/api/v1`. */
export interface RestRoute {
  method: HttpMethod;
  path: `/${string}`;
  /** Status of a successful answer; 204 answers carry no body. */
  successStatus: 200 | 201 | 204;
  summary: string;
  description?: string;
  tags: string[];
  /** The errors this route can answer with, besides the upstream failures every route shares. */
  errors: ErrorResponses;
  /** Headers a successful answer may carry, each with its description (shown in the OpenAPI document). */
  headers?: Record<string, string>;
  /** A query's cache policy; without one, answers carry `Cache-Control: no-store` and are never cached. */
  cache?: CachePolicy;
  /**
   * A mutation's invalidations: tag templates (as in {@link CachePolicy.tags}: `{field}` from the
   * parsed input, `{caller}` the caller's id) whose cached entries the gateway drops, on every
   * replica, before the mutation's answer is sent.
   */
  invalidates?: readonly string[];
}

/**
 * Fills a tag template: `{caller}` → the caller's id (`anonymous` without one), `{field}` → the
 * input's field (`posts/{id}` with `{ id: 7 }` → `posts/7`).
 * @param template a tag of {@link CachePolicy.tags} or {@link RestRoute.invalidates}
 * @param input the parsed input of the call (an object, or anything else when the input is empty)
 * @param callerId the caller's user id, or `null`
 */
export function fillTag(template: string, input: unknown, callerId: number | null): string {
  return template.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    if (name === 'caller') return callerId === null ? 'anonymous' : String(callerId);
    const value = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[name] : undefined;
    return value === undefined ? '' : String(value);
  });
}

/**
 * One part of a composed procedure: another procedure the gateway calls for it, with the mapping
 * from the composed input to the part's input, and whether the composed answer can do without it.
 */
export interface CompositionPart {
  /** The procedure called, an entry of another contract (e.g. `usersContract.byId`). */
  procedure: ProcedureContract;
  /** Maps the composed procedure's parsed input to this part's input. */
  input: (input: never) => unknown;
  /** Maps this part's output to what the composed answer holds under the part's name; as is by default. */
  output?: (output: never) => unknown;
  /**
   * A required part's failure is the composed answer's failure (its own status: 404, 503, …); an
   * optional part's failure makes its value `null` and its name is listed in `partial`.
   */
  required: boolean;
  /** Milliseconds to wait for this part, at most the service's own timeout (which applies when unset). */
  timeoutMs?: number;
}

/**
 * Declares one {@link CompositionPart} with its mappings typed from the procedure it calls.
 * @param procedure the contract entry to call
 * @param part the input mapping (from the composed input `I`), optional output mapping, `required`, `timeoutMs`
 * @example part(postsContract.list, { input: (i: { id: number }) => ({ authorId: i.id }), required: false })
 */
export function part<P extends ProcedureContract, I, O = z.output<P['output']>>(
  procedure: P,
  options: {
    input: (input: I) => z.input<P['input']>;
    output?: (output: z.output<P['output']>) => O;
    required: boolean;
    timeoutMs?: number;
  },
): CompositionPart {
  return { procedure, ...options } as CompositionPart;
}

/**
 * One procedure's contract: its kind, who may call it, its zod input and output, and
 * (for public procedures) its REST route. The service implements it; the gateway republishes it.
 */
export interface ProcedureContract<TInput extends z.ZodType = z.ZodType, TOutput extends z.ZodType = z.ZodType> {
  type: 'query' | 'mutation';
  auth: AuthLevel;
  input: TInput;
  output: TOutput;
  rest?: RestRoute;
  /**
   * The callers (service-credential `iss`) the service answers for this procedure, checked before its
   * input is parsed; any other valid caller gets 403. Default `DEFAULT_CALLERS`: `['gateway']`.
   */
  callers?: readonly string[];
  /**
   * Set on a gateway-owned procedure composed of others: the gateway calls every part in
   * parallel and answers `{ [part]: value | null, partial: string[] }` (see {@link CompositionPart}).
   */
  compose?: Record<string, CompositionPart>;
}

/** A named set of procedure contracts, such as every procedure of one service. */
export type ContractRecord = Record<string, ProcedureContract>;

/**
 * Identity helper that checks a record of contracts while keeping each entry's exact types.
 * @example export const usersContract = defineContract({ byId: { type: 'query', auth: 'user', … } });
 */
export function defineContract<const T extends ContractRecord>(contracts: T): T {
  return contracts;
}
