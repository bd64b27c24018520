import { type Actor, authorize, type ProcedureContract } from '@basis/contracts';
import { initTRPC, TRPCError, type TRPCMutationProcedure, type TRPCQueryProcedure } from '@trpc/server';
import type { FastifyBaseLogger } from 'fastify';
import type { z } from 'zod';
import { INTERNAL_ERROR_MESSAGE, toTRPCError } from './errors.js';
import type { SessionsRepository } from './repositories/sessions.js';
import type { UsersRepository } from './repositories/users.js';

/** What every procedure gets: the caller named by the service token, the request id, a logger, the data access. */
export interface Context {
  /** The user the gateway acts for, or `null` for an anonymous call (registration, login). */
  actor: Actor | null;
  requestId: string | undefined;
  log: FastifyBaseLogger;
  users: UsersRepository;
  sessions: SessionsRepository;
}

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

const t = initTRPC.context<Context>().create({
  /**
   * Shapes every error body. Never sends `stack` (in any NODE_ENV) nor the text of an unexpected
   * error; invalid input carries its zod issues under `data.issues` and a short message.
   */
  errorFormatter({ shape, error }) {
    const { stack: _stack, ...data } = shape.data;
    const issues = error.code === 'BAD_REQUEST' ? issuesOf(error.cause) : undefined;
    let message = shape.message;
    if (error.code === 'INTERNAL_SERVER_ERROR') message = INTERNAL_ERROR_MESSAGE;
    else if (issues) message = 'Invalid input';
    return { ...shape, message, data: issues ? { ...data, issues } : data };
  },
});

/** Builds a router from an object of procedures. */
export const router = t.router;

/** Base procedure, with no auth of its own (the service token was checked by the `/trpc` onRequest hook). */
export const publicProcedure = t.procedure;

/**
 * Middleware enforcing a contract's auth level with `authorize` from @basis/contracts (defense in depth:
 * the gateway enforces it too). Runs after input parsing, since `selfOrAdmin` looks at the parsed input's `id`.
 * @throws TRPCError UNAUTHORIZED without an actor where one is needed, FORBIDDEN when the actor may not call
 */
function authorizeBy(level: ProcedureContract['auth']) {
  return t.middleware(async ({ ctx, input, next }) => {
    const decision = authorize(level, ctx.actor, input);
    if (decision === 'unauthenticated')
      throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Authentication required' });
    if (decision === 'forbidden') throw new TRPCError({ code: 'FORBIDDEN', message: 'Not allowed' });
    return next();
  });
}

/** The builder for one contract entry: its input and output parsers and its auth level, already applied. */
function builderFor<C extends ProcedureContract>(contract: C) {
  return publicProcedure.input(contract.input).output(contract.output).use(authorizeBy(contract.auth));
}

/** A resolver for a contract entry: takes the parsed input, returns what the output schema accepts. */
export type Resolver<C extends ProcedureContract> = (opts: {
  ctx: Context;
  input: z.output<C['input']>;
}) => Promise<z.input<C['output']>>;

/** The procedure `implement` returns: a query or a mutation exactly as the contract says. */
export type Implemented<C extends ProcedureContract> = C['type'] extends 'query'
  ? TRPCQueryProcedure<ProcedureDef<C>>
  : TRPCMutationProcedure<ProcedureDef<C>>;

/** What tRPC records about a procedure built from contract `C` (the same shape `.query`/`.mutation` infer). */
type ProcedureDef<C extends ProcedureContract> = {
  input: z.input<C['input']>;
  output: z.output<C['output']>;
  meta: RootTypes['meta'];
  errorShape: RootTypes['errorShape'];
};

type RootTypes = (typeof t)['_config']['$types'];

/**
 * Implements one procedure contract: applies its input and output schemas and its auth level, picks
 * `query` or `mutation` from `contract.type`, and maps any error the resolver throws with
 * `toTRPCError`. Types come from the contract, so a resolver that drifts from it does not compile.
 * @param contract an entry of `usersContract` or `usersInternalContract`
 * @param resolve the implementation
 * @example list: implement(usersContract.list, ({ ctx, input }) => ctx.users.list(input.limit, input.offset))
 */
export function implement<C extends ProcedureContract>(contract: C, resolve: Resolver<C>): Implemented<C> {
  const builder = builderFor<ProcedureContract>(contract);
  // The input parser has run by now, so `input` has the contract's output type; tRPC cannot see that
  // through the generic `C`, hence the one narrowing cast.
  const guarded = async (opts: { ctx: Context; input: unknown }) => {
    try {
      return await resolve(opts as Parameters<Resolver<C>>[0]);
    } catch (error) {
      throw toTRPCError(error);
    }
  };
  const procedure = contract.type === 'query' ? builder.query(guarded) : builder.mutation(guarded);
  return procedure as Implemented<C>;
}
