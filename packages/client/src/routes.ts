import {
  type AuthContract,
  authContract,
  type ContractRecord,
  type PostsContract,
  type ProcedureContract,
  type ProfilesContract,
  postsContract,
  profilesContract,
  type RestRoute,
  type UsersContract,
  usersContract,
} from '@basis/contracts';
import type { z } from 'zod';

/**
 * The contracts the client republishes, by namespace (`client.users.*`, `client.auth.*`, `client.posts.*`,
 * `client.profiles.byUserId` composed by the gateway),
 * the same names the gateway uses for its tRPC router. Every entry with a `rest` route
 * becomes a method; adding a contract entry adds a method, adding a line here a namespace.
 */
export const restContracts = {
  users: usersContract,
  auth: authContract,
  posts: postsContract,
  profiles: profilesContract,
} as const;

/** The shape of {@link restContracts}. */
export interface RestContracts {
  users: UsersContract;
  auth: AuthContract;
  posts: PostsContract;
  profiles: ProfilesContract;
}

/** A procedure contract that the gateway republishes as REST. */
export type RestProcedure = ProcedureContract & { rest: RestRoute };

/** Per-call options of every generated method. */
export interface RequestOptions {
  /** Aborts the call; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Extra request headers, such as `x-request-id`. */
  headers?: Record<string, string>;
}

/** Names of the entries of `T` that have a `rest` route. */
export type RestKeys<T extends ContractRecord> = {
  [K in keyof T]: T[K] extends { rest: RestRoute } ? K : never;
}[keyof T];

/** What a method takes: the contract's zod input type (before defaults and transforms). */
export type MethodInput<C extends ProcedureContract> = z.input<C['input']>;

/** What a method resolves to: the contract's zod output type; `undefined` for 204 routes. */
export type MethodOutput<C extends ProcedureContract> = C['rest'] extends { successStatus: 204 }
  ? undefined
  : z.output<C['output']>;

/** A generated method; its input may be omitted when the contract input is void or all-optional. */
export type ProcedureMethod<C extends ProcedureContract> =
  undefined extends MethodInput<C>
    ? (input?: MethodInput<C>, options?: RequestOptions) => Promise<MethodOutput<C>>
    : Record<string, never> extends MethodInput<C>
      ? (input?: MethodInput<C>, options?: RequestOptions) => Promise<MethodOutput<C>>
      : (input: MethodInput<C>, options?: RequestOptions) => Promise<MethodOutput<C>>;

/** One method per REST route of a contract record. */
export type ContractMethods<T extends ContractRecord> = {
  [K in RestKeys<T>]: ProcedureMethod<T[K]>;
};

/** Every generated method, by namespace: `client.users.byId({ id: 1 })`. */
export type RestMethods = {
  [N in keyof RestContracts]: ContractMethods<RestContracts[N]>;
};

/** An HTTP request built from a REST route and a procedure input. */
export interface BuiltRequest {
  method: RestRoute['method'];
  /** Path relative to the REST base, path parameters substituted and URI-encoded. */
  path: string;
  /** Query parameters (GET and DELETE), `undefined` values left out. */
  query: Record<string, string> | undefined;
  /** JSON body (POST, PATCH, PUT), `undefined` when there is nothing to send. */
  body: unknown;
}

const PATH_PARAM = /\{([^}]+)\}/g;

/**
 * Maps a procedure input onto its REST route the way the gateway (trpc-to-openapi) reads it:
 * `{name}` path segments take the input's fields of that name, and the remaining fields go in
 * the query string for GET and DELETE, in a JSON body otherwise.
 * @param route the contract's `rest` metadata
 * @param input the procedure input (an object, or `undefined` for void inputs)
 * @throws {TypeError} when a path parameter is missing from the input
 */
export function buildRequest(route: RestRoute, input: unknown): BuiltRequest {
  const fields: Record<string, unknown> = isPlainObject(input) ? { ...input } : {};
  const path = route.path.replace(PATH_PARAM, (_, name: string) => {
    const value = fields[name];
    if (value === undefined || value === null) {
      throw new TypeError(`${route.method} ${route.path}: missing path parameter "${name}"`);
    }
    delete fields[name];
    return encodeURIComponent(String(value));
  });
  const takesQuery = route.method === 'GET' || route.method === 'DELETE';
  if (takesQuery) {
    const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
    return {
      method: route.method,
      path,
      query: entries.length === 0 ? undefined : Object.fromEntries(entries.map(([k, v]) => [k, String(v)])),
      body: undefined,
    };
  }
  const body = isPlainObject(input) ? fields : input;
  return { method: route.method, path, query: undefined, body };
}

/**
 * The REST procedures of a contract record, as `[name, contract]` pairs.
 * @param contracts a record such as `usersContract`
 */
export function restProcedures(contracts: ContractRecord): Array<[string, RestProcedure]> {
  return Object.entries(contracts).filter((entry): entry is [string, RestProcedure] => entry[1].rest !== undefined);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
