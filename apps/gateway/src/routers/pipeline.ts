import type { AnyTRPCProcedure, TRPCMutationProcedure, TRPCQueryProcedure } from '@trpc/server';
import type { z } from 'zod';
import { type GatewayContext, type GatewayMeta, publicProcedure } from '../trpc.js';

/**
 * A published procedure's whole work as one function: from the context and the raw input (a REST
 * request's parameters and body as rest/input.ts reads them, or a `/trpc` call's input) to the
 * answer the client sees. It throws what the client is answered: a TRPCError (its code gives the
 * status), or anything else (500).
 */
export type Pipeline = (ctx: GatewayContext, rawInput: unknown) => Promise<unknown>;

/** What {@link publishPipeline} builds a procedure from. */
export interface PipelineProcedure {
  type: 'query' | 'mutation';
  meta: GatewayMeta;
  /** The input schema the pipeline parses with: documented (OpenAPI) and planned (rest/input.ts) from it. */
  input: z.ZodType;
  /** The output schema of the answers: documented (OpenAPI) from it. */
  output: z.ZodType;
  run: Pipeline;
}

/** The typed tRPC procedure of a pipeline with input schema `I` and output schema `O`. */
export type PipelineOf<T extends 'query' | 'mutation', I extends z.ZodType, O extends z.ZodType> = T extends 'query'
  ? TRPCQueryProcedure<{ input: z.input<I>; output: z.output<O>; meta: GatewayMeta }>
  : TRPCMutationProcedure<{ input: z.input<I>; output: z.output<O>; meta: GatewayMeta }>;

const pipelines = new WeakMap<AnyTRPCProcedure, Pipeline>();

/**
 * Publishes a pipeline as a tRPC procedure whose resolver is the pipeline itself (no tRPC
 * middleware, no `.input()`/`.output()` parse levels: each copies the call's options), so `/trpc`
 * runs it through tRPC and the REST routes call it directly ({@link pipelineOf}): one definition
 * for both. The schemas are recorded in the procedure's `_def` (`inputs[0]`, `output`) where
 * trpc-to-openapi documents them and rest/routes.ts plans its input reading; tRPC reads them
 * nowhere at run time (its parse middlewares are built by `.input()`/`.output()`, not used here).
 * @returns the procedure, typed by the caller (see {@link PipelineOf})
 */
export function publishPipeline(procedure: PipelineProcedure): AnyTRPCProcedure {
  const { type, meta, input, output, run } = procedure;
  const builder = publicProcedure.meta(meta);
  const resolve = (opts: { ctx: GatewayContext }) => {
    // tRPC hands its resolver the options of its last middleware, `getRawInput` (typed for middlewares) included.
    const { ctx, getRawInput } = opts as typeof opts & { getRawInput: () => Promise<unknown> };
    return getRawInput().then((rawInput) => run(ctx, rawInput));
  };
  const published: AnyTRPCProcedure = type === 'query' ? builder.query(resolve) : builder.mutation(resolve);
  Object.assign(published._def, { inputs: [input], output });
  pipelines.set(published, run);
  return published;
}

/** The pipeline of a procedure built by {@link publishPipeline}; `undefined` for any other procedure. */
export function pipelineOf(procedure: AnyTRPCProcedure): Pipeline | undefined {
  return pipelines.get(procedure);
}
