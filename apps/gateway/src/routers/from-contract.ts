import {
  type AuthLevel,
  authorize,
  type ContractRecord,
  type ProcedureContract,
  type RestRoute,
} from '@basis/contracts';
import { TRPCError, type TRPCMutationProcedure, type TRPCQueryProcedure } from '@trpc/server';
import type { z } from 'zod';
import { callThroughCache } from '../cache/call.js';
import {
  callContext,
  type GatewayContext,
  type GatewayMeta,
  protectedProcedure,
  publicProcedure,
  router,
} from '../trpc.js';
import { runComposition } from './compose.js';
import { applyPostProcess, type PostProcessStep, postProcessedOutput } from './post-process.js';
import { restInput } from './rest-input.js';

/**
 * Calls one upstream procedure for a generated gateway procedure.
 * @param name the procedure's key in its contract (e.g. `byId`)
 * @param type `query` or `mutation`, from the contract
 * @param input the input, already validated against the contract
 */
export type UpstreamCaller = (
  ctx: GatewayContext,
  procedure: { name: string; type: 'query' | 'mutation' },
  input: unknown,
) => Promise<unknown>;

/**
 * An {@link UpstreamCaller} for procedures the service `service` (a name declared in services.ts)
 * serves under `namespace` (its router key; the service's name by default), through that
 * service's client with its own timeout and circuit breaker.
 * @example fromContract(widgetsContract, via('users', 'widgets'))
 */
export function via(service: string, namespace = service): UpstreamCaller {
  return (ctx, { name, type }, input) => {
    const upstream = ctx.upstreams.byName[service];
    if (!upstream) throw new Error(`No upstream named ${service} is declared`);
    return upstream.call(callContext(ctx), type, `${namespace}.${name}`, input);
  };
}

/** Options of {@link fromContract}. */
export interface PublishOptions<C extends ContractRecord = ContractRecord> {
  /** Post-processing steps per procedure of the contract, run after output parsing (routers/post-process.ts). */
  postProcess?: { [K in keyof C]?: readonly PostProcessStep[] };
}

/** The contract entries that have a REST route: internal procedures are never republished. */
type Republished<C extends ContractRecord> = {
  [K in keyof C as C[K]['rest'] extends RestRoute ? K : never]: C[K];
};

type GeneratedProcedure<P extends ProcedureContract> = P['type'] extends 'query'
  ? TRPCQueryProcedure<{ input: z.input<P['input']>; output: z.output<P['output']>; meta: GatewayMeta }>
  : TRPCMutationProcedure<{ input: z.input<P['input']>; output: z.output<P['output']>; meta: GatewayMeta }>;

/** The typed procedures {@link fromContract} generates for a contract record. */
export type ContractProcedures<C extends ContractRecord> = {
  [K in keyof Republished<C>]: GeneratedProcedure<Republished<C>[K] & ProcedureContract>;
};

const FORBIDDEN_MESSAGE: Record<AuthLevel, string> = {
  public: 'Forbidden',
  user: 'Forbidden',
  admin: 'Admin role required',
  selfOrAdmin: 'Only an admin or the user themself may do this',
};

/** The trpc-to-openapi metadata for a contract's REST route (security only on protected routes). */
export function openApiMeta(contract: ProcedureContract & { rest: RestRoute }): GatewayMeta {
  const { rest } = contract;
  return {
    rest,
    openapi: {
      method: rest.method,
      path: rest.path,
      protect: contract.auth !== 'public',
      summary: rest.summary,
      ...(rest.description !== undefined ? { description: rest.description } : {}),
      tags: rest.tags,
      errorResponses: rest.errors as Record<number, string>,
    },
  };
}

function generate(
  name: string,
  contract: ProcedureContract & { rest: RestRoute },
  upstream: UpstreamCaller | undefined,
  steps: readonly PostProcessStep[] = [],
) {
  const base = contract.auth === 'public' ? publicProcedure : protectedProcedure;
  const procedure = base
    .meta(openApiMeta(contract))
    .input(restInput(contract))
    .output(postProcessedOutput(contract, steps));
  const resolve = async ({ ctx: given, input }: { ctx: GatewayContext; input: unknown }) => {
    // Authorization first (in the resolver rather than a middleware of its own: each tRPC
    // middleware copies the call's options twice).
    const verdict = authorize(contract.auth, given.actor, input);
    if (verdict === 'forbidden') throw new TRPCError({ code: 'FORBIDDEN', message: FORBIDDEN_MESSAGE[contract.auth] });
    if (verdict === 'unauthenticated') throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Missing access token' });
    // A public route's caller is not checked against their session, so it is never forwarded.
    const ctx = contract.auth === 'public' ? { ...given, actor: null } : given;
    let answer: unknown;
    if (contract.compose) answer = await runComposition(ctx, contract.compose, input);
    else if (upstream)
      answer = await callThroughCache(ctx, contract, input, () => upstream(ctx, { name, type: contract.type }, input));
    else throw new Error(`No upstream for ${name}: it is neither composed nor given an UpstreamCaller`);
    return applyPostProcess(answer, { contract, input, actor: ctx.actor, requestId: ctx.requestId }, steps);
  };
  return contract.type === 'query' ? procedure.query(resolve) : procedure.mutation(resolve);
}

/**
 * THE generator: republishes every contract entry that has a REST route as a gateway
 * procedure with the contract's input, output, auth level and OpenAPI metadata. Each one
 * authenticates (401, with the session check of `protectedProcedure`) and authorizes (403) with
 * `authorize()`, calls the upstream (or, for an entry with `compose`, its parts: routers/compose.ts),
 * then runs the post-processing: output parsing first, then the route's own steps. Static paths are
 * registered before parameterised ones, so `/users/me` is never captured by `/users/{id}`.
 * @param upstream where the entries are served; may be left out when every entry is composed
 * @param options per-procedure post-processing steps
 * @example posts: fromContract(postsContract, via('posts'), { postProcess: { byId: [withLinks] } })
 * @returns a tRPC router typed after the contract
 */
export function fromContract<const C extends ContractRecord>(
  contract: C,
  upstream?: UpstreamCaller,
  options: PublishOptions<C> = {},
) {
  const entries = Object.entries(contract)
    .filter((entry): entry is [string, ProcedureContract & { rest: RestRoute }] => entry[1].rest !== undefined)
    .sort(([, a], [, b]) => a.rest.path.split('{').length - b.rest.path.split('{').length);
  const steps = options.postProcess as Record<string, readonly PostProcessStep[] | undefined> | undefined;
  const procedures = Object.fromEntries(
    entries.map(([name, entry]) => [name, generate(name, entry, upstream, steps?.[name])]),
  );
  return router(procedures as unknown as ContractProcedures<C>);
}
