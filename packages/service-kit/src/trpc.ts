import { type Actor, authorize, DEFAULT_CALLERS, type ProcedureContract } from '@basis/contracts';
import { initTRPC, TRPCError, type TRPCMutationProcedure, type TRPCQueryProcedure } from '@trpc/server';
import type { FastifyBaseLogger } from 'fastify';
import type { z } from 'zod';
import type { ServiceMeta } from './auth/credential-hook.js';
import { type ErrorMessages, INTERNAL_ERROR_MESSAGE, toTRPCError } from './errors.js';

/** What every service's request context carries, from the service credential and the request. */
export interface ServiceContext {
  /**
   * The user the service credential says the caller acts for (`sub`, `role`, `sid`), or `null` for an
   * anonymous call. A claim: the service's `resolveActor` decides what to make of it.
   */
  claimedActor: Actor | null;
  /** The identity that called (the credential's `iss`), already checked against the procedure's allow-list. */
  caller: string;
  requestId: string | undefined;
  log: FastifyBaseLogger;
}

/** What every resolver gets: the request context plus the actor the auth middleware resolved. */
export type ResolverContext<TContext extends ServiceContext> = TContext & {
  /** The acting user as `resolveActor` found them; `null` in public procedures. */
  actor: Actor | null;
};

/** zod issues as they travel in `error.data.issues`: path, message and code only. */
export interface WireIssue {
  path: (string | number)[];
  message: string;
  code: string;
}

function issuesOf(cause: unknown): WireIssue[] | undefined {
  const issues = (cause as { issues?: unknown } | undefined)?.issues;
  if (!Array.isArray(issues)) return undefined;
  return issues.map((issue: { path?: PropertyKey[]; message?: string; code?: string }) => ({
    path: (issue.path ?? []).filter((key): key is string | number => typeof key !== 'symbol'),
    message: String(issue.message ?? ''),
    code: String(issue.code ?? 'custom'),
  }));
}

/**
 * How tRPC's `.input()`/`.output()` run a zod schema: `parse`, and `parseAsync` from then on once a
 * schema turns out to need it (an async refinement); a failure throws the ZodError with its `issues`.
 * @returns a function of the raw value to the parsed value (or a promise of it, once async)
 * @throws {z.ZodError} (from the returned function) when the value does not fit the schema
 */
export function parserOf(schema: z.ZodType): (value: unknown) => unknown {
  let isAsync = false;
  return (value) => {
    if (!isAsync) {
      try {
        return schema.parse(value);
      } catch (cause) {
        if (Array.isArray((cause as { issues?: unknown } | null)?.issues)) throw cause;
        isAsync = true;
      }
    }
    return schema.parseAsync(value);
  };
}

/**
 * A parser of procedure inputs (a service's `implement`, the gateway's pipelines): the schema's parse (as tRPC's `.input()` runs it), a failure
 * being 400 BAD_REQUEST with the ZodError as its cause (the REST envelope names the fields from it).
 * @returns a function of the raw input to the parsed input
 * @throws {TRPCError} BAD_REQUEST (from the returned function) when the input does not fit
 */
export function inputParser(schema: z.ZodType): (rawInput: unknown) => Promise<unknown> {
  const parse = parserOf(schema);
  return async (rawInput) => {
    try {
      return await parse(rawInput);
    } catch (cause) {
      throw new TRPCError({ code: 'BAD_REQUEST', cause });
    }
  };
}

/**
 * A parser of procedure answers (as tRPC's `.output()` runs it): an answer that breaks the
 * output schema is a bug of the answering code, 500 `Output validation failed`.
 * @returns a function of the answer to the parsed answer
 * @throws {TRPCError} INTERNAL_SERVER_ERROR (from the returned function) when the answer does not fit
 */
export function outputParser(schema: z.ZodType): (answer: unknown) => Promise<unknown> {
  const parse = parserOf(schema);
  return async (answer) => {
    try {
      return await parse(answer);
    } catch (cause) {
      throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'Output validation failed', cause });
    }
  };
}

/** tRPC options every service shares: the error formatter. */
const rootOptions = {
  /**
   * Shapes every error body. Never sends `stack` (in any NODE_ENV) nor the text of an unexpected
   * error; invalid input carries its zod issues under `data.issues` and a short message.
   */
  errorFormatter({
    shape,
    error,
  }: {
    shape: { message: string; code: number; data: { stack?: string | undefined; [key: string]: unknown } };
    error: TRPCError;
  }) {
    const { stack: _stack, ...data } = shape.data;
    const issues = error.code === 'BAD_REQUEST' ? issuesOf(error.cause) : undefined;
    let message = shape.message;
    if (error.code === 'INTERNAL_SERVER_ERROR') message = INTERNAL_ERROR_MESSAGE;
    else if (issues) message = 'Invalid input';
    return { ...shape, message, data: issues ? { ...data, issues } : data };
  },
};

/**
 * The one tRPC instance, typed with the shared context. Each service's own context fields (its
 * repositories) are typed by `initService<TContext>` at the resolver boundary instead: tRPC's context
 * inference does not survive a generic context type.
 */
const t = initTRPC.context<ServiceContext>().meta<ServiceMeta>().create(rootOptions);

type RootTypes = (typeof t)['_config']['$types'];

/** What tRPC records about a procedure built from contract `C` (the same shape `.query`/`.mutation` infer). */
type ProcedureDef<C extends ProcedureContract> = {
  input: z.input<C['input']>;
  output: z.output<C['output']>;
  meta: RootTypes['meta'];
  errorShape: RootTypes['errorShape'];
};

/** The procedure `implement` returns: a query or a mutation exactly as the contract says. */
export type Implemented<C extends ProcedureContract> = C['type'] extends 'query'
  ? TRPCQueryProcedure<ProcedureDef<C>>
  : TRPCMutationProcedure<ProcedureDef<C>>;

/** A resolver for a contract entry: takes the parsed input, returns what the output schema accepts. */
export type Resolver<C extends ProcedureContract, TContext extends ServiceContext = ServiceContext> = (opts: {
  ctx: ResolverContext<TContext>;
  input: z.output<C['input']>;
}) => Promise<z.input<C['output']>>;

/** How a service sets up tRPC. */
export interface ServiceOptions<TContext extends ServiceContext> {
  /**
   * Turns the claimed actor into the actor resolvers see, for every procedure that is not `public`.
   * Default: the claim as is (the gateway checked the access token and its session). users looks the
   * session up in its database instead. Throw a `TRPCError` to refuse.
   */
  resolveActor?: (ctx: TContext) => Promise<Actor | null>;
  /** How the shared error table words this service's conflicts. */
  messages?: ErrorMessages;
}

/**
 * Initialises tRPC for one service (its `trpc.ts` calls this once): the shared error formatter, the
 * contract's auth levels enforced with `authorize` from @basis/contracts, and `implement`.
 * @param options the service's actor resolution and error wording
 * @returns `router`, `publicProcedure` and `implement` bound to the context `TContext`
 * @example const { router, implement } = initService<PostsContext>({ messages: { conflict: 'Post exists' } });
 */
export function initService<TContext extends ServiceContext>(options: ServiceOptions<TContext> = {}) {
  const resolveActor = options.resolveActor ?? (async (ctx: TContext) => ctx.claimedActor);
  const messages = options.messages ?? {};

  /**
   * Implements one procedure contract: records its allow-list (`callers`, default gateway only) for the
   * server's credential hook, picks `query` or `mutation` from `contract.type`, and runs each call in
   * this order: the input parsed with the contract's schema (BAD_REQUEST with the zod issues as
   * `cause`, exactly as tRPC's `.input()`), the actor found by `resolveActor` and the contract's auth
   * level enforced with `authorize` (defense in depth: the gateway enforces it too; public procedures
   * see no actor; after input parsing, since `selfOrAdmin` looks at the parsed input's `id`), the
   * resolver (any error mapped with `toTRPCError`), and its output parsed with the contract's schema
   * (INTERNAL_SERVER_ERROR 'Output validation failed', as tRPC's `.output()`). Types come from the
   * contract, so a resolver that drifts from it does not compile.
   *
   * One tRPC resolver instead of tRPC's `.input()`, `.output()` and a `.use()` middleware: each tRPC
   * middleware level copies the call's options and context with Babel's object spread, which was a
   * quarter of everything the users service allocated per call under bench load (a).
   * @param contract one entry of a contract record, e.g. `postsContract.list`
   * @param resolve the implementation
   * @example list: implement(postsContract.list, ({ ctx, input }) => ctx.posts.list(input))
   */
  function implement<C extends ProcedureContract>(contract: C, resolve: Resolver<C, TContext>): Implemented<C> {
    const level = contract.auth;
    const parseInput = inputParser(contract.input);
    const parseOutput = outputParser(contract.output);
    const run = async (opts: { ctx: ServiceContext }) => {
      // tRPC hands its resolver the options of its last middleware, `getRawInput` (typed for middlewares) included.
      const { ctx, getRawInput } = opts as typeof opts & { getRawInput: () => Promise<unknown> };
      const input = await parseInput(await getRawInput());
      let actor: Actor | null = null;
      if (level !== 'public') {
        try {
          // The server's createContext built a TContext (buildServiceServer types it from the router).
          actor = await resolveActor(ctx as TContext);
        } catch (error) {
          throw toTRPCError(error, messages);
        }
      }
      const decision = authorize(level, actor, input);
      if (decision === 'unauthenticated')
        throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Authentication required' });
      if (decision === 'forbidden') throw new TRPCError({ code: 'FORBIDDEN', message: 'Not allowed' });
      let output: unknown;
      try {
        // `input` was parsed by the contract's schema; tRPC cannot see that through the generic `C`.
        output = await resolve({ ctx: { ...ctx, actor }, input } as unknown as Parameters<Resolver<C, TContext>>[0]);
      } catch (error) {
        throw toTRPCError(error, messages);
      }
      return parseOutput(output);
    };
    const builder = t.procedure.meta({ callers: contract.callers ?? DEFAULT_CALLERS });
    const procedure = contract.type === 'query' ? builder.query(run) : builder.mutation(run);
    return procedure as unknown as Implemented<C>;
  }

  return {
    /** Builds a router from an object of procedures. */
    router: t.router,
    /** Base procedure, with no auth of its own (the service credential was checked before tRPC). */
    publicProcedure: t.procedure,
    implement,
  };
}
