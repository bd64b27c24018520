import type { Actor, ProcedureContract } from '@basis/contracts';
import type { z } from 'zod';
import { UpstreamFailure } from '../upstream/errors.js';

/** What a post-processing step knows about the call whose answer it transforms. */
export interface PostProcessCall {
  /** The route's contract entry. */
  contract: ProcedureContract;
  /** The parsed input of the call. */
  input: unknown;
  /** The verified caller (live session, current role), or `null` on a public route. */
  actor: Actor | null;
  requestId: string;
}

/** One step a route declares to transform its answers before they reach the client. */
export interface PostProcessStep {
  /** Short name, used in logs. */
  name: string;
  /**
   * Widens the route's output schema with what the step adds, so the added fields survive the
   * final output check and appear in the OpenAPI document. As is when unset.
   * @example (schema) => (schema as z.ZodObject).extend({ links: z.object({ self: z.string() }) })
   */
  output?: (schema: z.ZodType) => z.ZodType;
  /**
   * Transforms an answer (already parsed against the contract's output). Return a new value rather
   * than changing it in place: a cached answer is shared by every hit and frozen (cache/hot-entries.ts),
   * and a field the contract types as `unknown` keeps that shared reference through the parse.
   * @throws {import('@trpc/server').TRPCError} to answer with that error instead
   */
  run(output: unknown, call: PostProcessCall): unknown;
}

/**
 * Parses the answer against the contract's output schema: zod objects strip undeclared keys,
 * so a field the contract does not declare (a password hash) can never leak. An answer that
 * does not fit the contract is a broken upstream: 502 BAD_GATEWAY.
 * @throws {UpstreamFailure} BAD_GATEWAY when the answer breaks the contract
 */
export function parseOutput(output: unknown, contract: ProcedureContract): unknown {
  const result = contract.output.safeParse(output);
  if (result.success) return result.data;
  throw new UpstreamFailure({
    code: 'BAD_GATEWAY',
    message: 'The upstream service gave an invalid response',
    outcome: 'bad_response',
    cause: result.error,
  });
}

/**
 * A route's post-processing: output parsing first, always, then the route's own steps in order.
 * @param steps the steps the route declared (none by default)
 * @returns the answer as the client will see it
 * @throws {UpstreamFailure} when the answer breaks the contract, or whatever a step throws
 */
export async function applyPostProcess(
  output: unknown,
  call: PostProcessCall,
  steps: readonly PostProcessStep[] = [],
): Promise<unknown> {
  let value = parseOutput(output, call.contract);
  for (const step of steps) value = await step.run(value, call);
  return value;
}

/**
 * The output schema a route publishes: its contract's, widened by each step that adds fields.
 * @returns the schema tRPC checks answers against and the OpenAPI document shows
 */
export function postProcessedOutput(contract: ProcedureContract, steps: readonly PostProcessStep[] = []): z.ZodType {
  return steps.reduce((schema, step) => step.output?.(schema) ?? schema, contract.output);
}
