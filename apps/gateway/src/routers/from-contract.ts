import {
  type AuthLevel,
  authorize,
  type ContractRecord,
  type ProcedureContract,
  type RestRoute,
} from '@basis/contracts';
import { inputParser, outputParser } from '@basis/service-kit';
import { TRPCError, type TRPCMutationProcedure, type TRPCQueryProcedure } from '@trpc/server';
import type { z } from 'zod';
import { callThroughCache } from '../cache/call.js';
import { deepFreeze } from '../cache/hot-entries.js';
import { asInvalidToken, authenticate, callContext, type GatewayContext, type GatewayMeta, router } from '../trpc.js';
import { runComposition } from './compose.js';
import { type Pipeline, publishPipeline } from './pipeline.js';
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

/**
 * The pipeline of one republished contract entry (routers/pipeline.ts): authenticate (protected
 * entries: 401, session check), parse the input (400), authorize (403), call the upstream through
 * the response cache (or the composition's parts), then post-process (output parsing, the route's
 * steps, the published output schema when steps widened it).
 */
function pipelineFor(
  name: string,
  contract: ProcedureContract & { rest: RestRoute },
  upstream: UpstreamCaller | undefined,
  steps: readonly PostProcessStep[],
): Pipeline {
  const level = contract.auth;
  const parseInput = inputParser(restInput(contract));
  // Without steps the answer was just parsed against this very schema (applyPostProcess).
  const parseOutput = steps.length > 0 ? outputParser(postProcessedOutput(contract, steps)) : undefined;
  const procedure = { name, type: contract.type };
  // A frozen answer is a cache entry shared by its hits (cache/hot-entries.ts): without steps (which
  // may depend on the caller or the request), its output is the same on every hit, parsed once.
  const parsedAnswers = new WeakMap<object, unknown>();
  const serve = async (ctx: GatewayContext, rawInput: unknown): Promise<unknown> => {
    const input = await parseInput(rawInput);
    const verdict = authorize(level, ctx.actor, input);
    if (verdict === 'forbidden') throw new TRPCError({ code: 'FORBIDDEN', message: FORBIDDEN_MESSAGE[level] });
    if (verdict === 'unauthenticated') throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Missing access token' });
    let answer: unknown;
    if (contract.compose) answer = await runComposition(ctx, contract.compose, input);
    else if (upstream) answer = await callThroughCache(ctx, contract, input, () => upstream(ctx, procedure, input));
    else throw new Error(`No upstream for ${name}: it is neither composed nor given an UpstreamCaller`);
    const memoizable =
      steps.length === 0 && answer !== null && typeof answer === 'object' && Object.isFrozen(answer) ? answer : null;
    if (memoizable) {
      const known = parsedAnswers.get(memoizable);
      if (known !== undefined) return known;
    }
    const output = await applyPostProcess(
      answer,
      { contract, input, actor: ctx.actor, requestId: ctx.requestId },
      steps,
    );
    if (!memoizable) return parseOutput ? parseOutput(output) : output;
    parsedAnswers.set(memoizable, deepFreeze(output));
    return output;
  };
  // A public route's caller is not checked against their session, so it is never forwarded.
  if (level === 'public') return (given, rawInput) => serve({ ...given, actor: null }, rawInput);
  return async (given, rawInput) => {
    const actor = await authenticate(given);
    try {
      return await serve({ ...given, actor }, rawInput);
    } catch (error) {
      throw asInvalidToken(error);
    }
  };
}

function generate(
  name: string,
  contract: ProcedureContract & { rest: RestRoute },
  upstream: UpstreamCaller | undefined,
  steps: readonly PostProcessStep[] = [],
) {
  return publishPipeline({
    type: contract.type,
    meta: openApiMeta(contract),
    input: restInput(contract),
    output: postProcessedOutput(contract, steps),
    run: pipelineFor(name, contract, upstream, steps),
  });
}

/**
 * THE generator: republishes every contract entry that has a REST route as a gateway
 * procedure with the contract's input, output, auth level and OpenAPI metadata. Each one
 * authenticates (401, with the session check of `authenticate`) and authorizes (403) with
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
