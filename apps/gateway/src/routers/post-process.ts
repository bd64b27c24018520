import type { ProcedureContract } from '@basis/contracts';
import { UpstreamFailure } from '../upstream/errors.js';

/** One declared step applied to every upstream answer before it reaches the client. */
export interface PostProcessStep {
  /** Short name, used in logs. */
  name: string;
  /**
   * Transforms an upstream answer.
   * @throws {UpstreamFailure} when the answer cannot be republished
   */
  run(output: unknown, contract: ProcedureContract): unknown;
}

/**
 * Parses the answer against the contract's output schema: zod objects strip undeclared keys,
 * so a field the contract does not declare (a password hash) can never leak. An answer that
 * does not fit the contract is a broken upstream: 502 BAD_GATEWAY.
 */
export const parseOutput: PostProcessStep = {
  name: 'parse-output',
  run(output, contract) {
    const result = contract.output.safeParse(output);
    if (result.success) return result.data;
    throw new UpstreamFailure({
      code: 'BAD_GATEWAY',
      message: 'The upstream service gave an invalid response',
      outcome: 'bad_response',
      cause: result.error,
    });
  },
};

/** THE response post-processing, in order. Output parsing comes first, always. */
export const postProcess: readonly PostProcessStep[] = [parseOutput];

/**
 * Runs every {@link postProcess} step over an upstream answer.
 * @returns the answer as the client will see it
 * @throws {UpstreamFailure} from the first step that rejects it
 */
export function applyPostProcess(output: unknown, contract: ProcedureContract): unknown {
  let value = output;
  for (const step of postProcess) value = step.run(value, contract);
  return value;
}
