import type { ProcedureContract } from '@basis/contracts';
import type { GatewayContext } from '../trpc.js';

/**
 * Calls an upstream procedure the way its contract says about caching: a query with a cache policy
 * is read through the request's cache (after the session check, which ran before the procedure);
 * a mutation that declares `invalidates` invalidates once its call has ended, whatever the outcome
 * (a timed-out write may have been committed), before its answer is sent. Without a cache in the
 * context, `load` is called as is.
 * @param input the procedure's parsed input
 * @param load the upstream call
 */
export async function callThroughCache<T>(
  ctx: GatewayContext,
  contract: ProcedureContract,
  input: unknown,
  load: () => Promise<T>,
): Promise<T> {
  const { cache } = ctx;
  if (!cache) return load();
  if (contract.type === 'query') return cache.read(contract, input, ctx.actor, load);
  if (!contract.rest?.invalidates?.length) return load();
  try {
    return await load();
  } finally {
    await cache.invalidate(contract, input, ctx.actor?.id ?? null);
  }
}
