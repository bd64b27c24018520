import { inSpan, tracingEnabled } from '@basis/service-kit/tracing';
import { createUpstream, type Upstream, type UpstreamOptions } from './client.js';
import type { UpstreamOutcome } from './errors.js';

/**
 * Wraps an upstream so that each call runs in a span `upstream <service> <procedure>` with the
 * attributes `upstream.service`, `upstream.procedure` and `upstream.outcome` (`ok` or the failure's
 * outcome: `unavailable`, `timeout`, `circuit_open`, …); the HTTP call to the service, which carries
 * `traceparent`, is its child. When tracing is off (decided at start, before the gateway is built) it
 * returns the upstream itself, so calls cost nothing more.
 * @param upstream one service's client (upstream/client.ts)
 * @returns the same upstream, its `call` traced when tracing is on
 */
export function traced(upstream: Upstream): Upstream {
  if (!tracingEnabled()) return upstream;
  return {
    ...upstream,
    call: (ctx, type, path, input, timeoutMs) =>
      inSpan(
        `upstream ${upstream.name} ${path}`,
        { 'upstream.service': upstream.name, 'upstream.procedure': path },
        async (span) => {
          try {
            const answer = await upstream.call(ctx, type, path, input, timeoutMs);
            span.setAttribute('upstream.outcome', 'ok');
            return answer;
          } catch (error) {
            const outcome: UpstreamOutcome = (error as { outcome?: UpstreamOutcome }).outcome ?? 'unknown';
            span.setAttribute('upstream.outcome', outcome);
            throw error;
          }
        },
      ),
  };
}

/**
 * {@link createUpstream}, {@link traced}: what the registry builds each declared service with.
 * @param options see `UpstreamOptions`
 */
export function createTracedUpstream(options: UpstreamOptions): Upstream {
  return traced(createUpstream(options));
}
