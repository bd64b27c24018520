import { authorize, type CompositionPart, PARTIAL_HEADER } from '@basis/contracts';
import { TRPCError } from '@trpc/server';
import { callThroughCache } from '../cache/call.js';
import { callContext, type GatewayContext } from '../trpc.js';

/** Calls one part: its input mapped and parsed, its own auth level applied, its own timeout. */
async function callPart(ctx: GatewayContext, part: CompositionPart, input: unknown): Promise<unknown> {
  const parsed = part.procedure.input.safeParse(part.input(input as never));
  if (!parsed.success) throw new Error('A composition part’s input mapping breaks its procedure’s input schema');
  const verdict = authorize(part.procedure.auth, ctx.actor, parsed.data);
  if (verdict === 'unauthenticated') throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Missing access token' });
  if (verdict === 'forbidden') throw new TRPCError({ code: 'FORBIDDEN', message: 'Forbidden' });
  // Each part is cached as its own route is (a profile reuses GET /users/{id}'s and GET /posts' entries).
  const output = await callThroughCache(ctx, part.procedure, parsed.data, () =>
    ctx.upstreams.call(callContext(ctx), part.procedure, parsed.data, part.timeoutMs),
  );
  return part.output ? part.output(output as never) : output;
}

/**
 * Runs a composition declared in a contract (`compose`): every part is called at once, each on
 * the service that serves it (found from services.ts) with its own timeout, so the latency is the
 * slowest part's, not the sum. The answer is `{ [part]: value, partial: string[] }`: an optional
 * part that fails for any reason is `null`, named in `partial` and in the `x-basis-partial` header;
 * a required part's failure is the answer (its own status: 404, 503, 504, 502, …).
 * @param input the composed procedure's parsed input
 * @returns the composed answer, to be parsed against the contract's output
 * @throws the failure of the first required part (in declaration order) that failed
 */
export async function runComposition(
  ctx: GatewayContext,
  parts: Readonly<Record<string, CompositionPart>>,
  input: unknown,
): Promise<Record<string, unknown>> {
  const entries = Object.entries(parts);
  const settled = await Promise.allSettled(entries.map(([, part]) => callPart(ctx, part, input)));
  const answer: Record<string, unknown> = {};
  const partial: string[] = [];
  for (const [index, [name, part]] of entries.entries()) {
    const result = settled[index];
    if (result?.status === 'fulfilled') {
      answer[name] = result.value;
      continue;
    }
    if (part.required) throw result?.reason;
    ctx.log.warn({ part: name, err: result?.reason }, 'optional composition part failed; answering without it');
    answer[name] = null;
    partial.push(name);
  }
  if (partial.length > 0) ctx.setResponseHeader(PARTIAL_HEADER, partial.join(','));
  return { ...answer, partial };
}
