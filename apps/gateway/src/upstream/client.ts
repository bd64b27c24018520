import { type Actor, REQUEST_ID_HEADER } from '@basis/contracts';
import type { CredentialMinter } from '@basis/service-kit/credentials';
import { CircuitState } from 'cockatiel';
import { request as httpRequest } from 'undici';
import type { UpstreamOutcome } from './errors.js';
import { createUpstreamTransport } from './fetch.js';
import { createUpstreamPolicy, type UpstreamPolicyOptions } from './policy.js';

/** Who a call acts for and which request it belongs to; sent as the service token's claims and `x-request-id`. */
export type CallContext = {
  actor: Actor | null;
  requestId: string;
};

/** Settings of {@link createUpstream}. */
export interface UpstreamOptions {
  /** The service's name: the service credential's audience, the metrics label, the name in messages. */
  name: string;
  /** The service's origin (`<NAME>_SERVICE_URL`); the tRPC endpoint is `<baseUrl>/trpc`, readiness `<baseUrl>/readyz`. */
  baseUrl: string;
  /** The gateway's credential minter (`iss` gateway, its `SERVICE_PRIVATE_KEY`), shared by every upstream. */
  minter: CredentialMinter;
  /** Per-call timeout in milliseconds. */
  timeoutMs: number;
  breaker?: Pick<UpstreamPolicyOptions, 'breakerThreshold' | 'halfOpenAfterMs'>;
  /** Called once per call with the service, the procedure path, the outcome and the duration in seconds (metrics). */
  onOutcome?: (service: string, procedure: string, outcome: UpstreamOutcome, seconds: number) => void;
}

/** What `/readyz` reports for one upstream. */
export type UpstreamState = 'up' | 'down' | 'circuit-open';

/** One upstream service: its tRPC client with its own timeout, circuit breaker and keep-alive pool. */
export interface Upstream {
  readonly name: string;
  readonly timeoutMs: number;
  /**
   * Calls one procedure by its path under the timeout and circuit breaker, with a service
   * credential for `ctx.actor` and `ctx.requestId` forwarded.
   * @param type `query` or `mutation`
   * @param path the procedure path on the service, e.g. `posts.byId`
   * @param timeoutMs a shorter timeout for this call (a composition part's); the service's applies otherwise
   * @throws {import('./errors.js').UpstreamFailure} for every failure, mapped by the one table
   */
  call(
    ctx: CallContext,
    type: 'query' | 'mutation',
    path: string,
    input: unknown,
    timeoutMs?: number,
  ): Promise<unknown>;
  /** `circuit-open` while the breaker is open, else whether the service's `/readyz` answers 2xx within `timeoutMs`. */
  probe(timeoutMs: number): Promise<UpstreamState>;
  /** Whether the circuit is open (calls fail fast). */
  isCircuitOpen(): boolean;
  close(): void;
}

/**
 * Builds one upstream's client from its name and URL alone (no import of the service's code):
 * tRPC calls over {@link createUpstreamTransport}'s keep-alive pool, each with a service credential
 * minted for the service (`aud` = its name; the minter reuses one per actor for most of its
 * lifetime), the request id, and an `AbortSignal` that fires after the timeout; all under the
 * service's own circuit breaker. Typed calls are built on top from the contracts (upstream/registry.ts).
 * Every upstream call of the gateway goes through `call` here: the one place to wrap it (e.g. in a span).
 */
export function createUpstream(options: UpstreamOptions): Upstream {
  const baseUrl = options.baseUrl.replace(/\/$/, '');
  const transport = createUpstreamTransport(baseUrl);
  const policy = createUpstreamPolicy({ service: options.name, timeoutMs: options.timeoutMs, ...options.breaker });

  async function call(
    ctx: CallContext,
    type: 'query' | 'mutation',
    path: string,
    input: unknown,
    timeoutMs?: number,
  ): Promise<unknown> {
    const started = performance.now();
    let outcome: UpstreamOutcome = 'ok';
    try {
      return await policy.execute((signal) => {
        const headers: Record<string, string> = {
          authorization: `Bearer ${options.minter.mint(options.name, ctx.actor ?? null)}`,
        };
        if (ctx.requestId) headers[REQUEST_ID_HEADER] = ctx.requestId;
        return transport.send({ type, path, input, headers, signal });
      }, timeoutMs);
    } catch (error) {
      outcome = (error as { outcome?: UpstreamOutcome }).outcome ?? 'unknown';
      throw error;
    } finally {
      options.onOutcome?.(options.name, path, outcome, (performance.now() - started) / 1000);
    }
  }

  return {
    name: options.name,
    timeoutMs: options.timeoutMs,
    call,
    async probe(timeoutMs) {
      // undici's request, as for calls: global fetch would load Node's own copy of undici (~2 MB of heap).
      const readyz = async (signal: AbortSignal) => {
        const response = await httpRequest(`${baseUrl}/readyz`, { signal });
        await response.body.dump();
        return response.statusCode;
      };
      const open = policy.state() === CircuitState.Open;
      try {
        // While the circuit is open the probe goes through the breaker: fails fast until halfOpenAfterMs,
        // then is the half-open trial, so a service that is back closes the circuit without waiting for
        // traffic (a reachable service that answers non-2xx closes it too: the breaker counts reachability).
        const status = open ? await policy.execute(readyz, timeoutMs) : await readyz(AbortSignal.timeout(timeoutMs));
        return status >= 200 && status < 300 ? 'up' : 'down';
      } catch {
        return policy.state() === CircuitState.Open ? 'circuit-open' : 'down';
      }
    },
    isCircuitOpen: () => policy.state() === CircuitState.Open,
    close: () => {
      policy.dispose();
      void transport.close();
    },
  };
}
