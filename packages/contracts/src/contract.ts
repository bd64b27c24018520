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
