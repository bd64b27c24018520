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
   * Middleware enforcing a contract's auth level (defense in depth: the gateway enforces it too) against
   * the actor `resolveActor` finds, once per call. Public procedures skip it and see no actor. Runs after
   * input parsing, since `selfOrAdmin` looks at the parsed input's `id`.
   */
  const authorizeBy = (level: ProcedureContract['auth']) =>
    t.middleware(async ({ ctx, input, next }) => {
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
      return next({ ctx: { actor } });
    });

  /**
   * Implements one procedure contract: records its allow-list (`callers`, default gateway only) for the
   * server's credential hook, applies its input and output schemas and its auth level, picks
   * `query` or `mutation` from `contract.type`, and maps any error the resolver throws with
   * `toTRPCError`. Types come from the contract, so a resolver that drifts from it does not compile.
   * @param contract one entry of a contract record, e.g. `postsContract.list`
   * @param resolve the implementation
   * @example list: implement(postsContract.list, ({ ctx, input }) => ctx.posts.list(input))
   */
  function implement<C extends ProcedureContract>(contract: C, resolve: Resolver<C, TContext>): Implemented<C> {
    const builder = t.procedure
      .meta({ callers: contract.callers ?? DEFAULT_CALLERS })
      .input(contract.input)
      .output(contract.output)
      .use(authorizeBy(contract.auth));
    // The input parser has run by now, so `input` has the contract's output type; tRPC cannot see that
    // through the generic `C`, hence the one narrowing cast.
    const guarded = async (opts: { ctx: ServiceContext & { actor: Actor | null }; input: unknown }) => {
      try {
        return await resolve(opts as unknown as Parameters<Resolver<C, TContext>>[0]);
      } catch (error) {
        throw toTRPCError(error, messages);
      }
    };
    const procedure = contract.type === 'query' ? builder.query(guarded) : builder.mutation(guarded);
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
