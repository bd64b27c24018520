import type { ProcedureContract } from '@basis/contracts';
import type { CredentialMinter } from '@basis/service-kit/credentials';
import type { z } from 'zod';
import type { CallContext, Upstream, UpstreamOptions } from './client.js';
import { UpstreamFailure } from './errors.js';
import type { ServiceMap } from './service.js';
import { createTracedUpstream } from './tracing.js';

/** Settings of {@link createUpstreams}. */
export interface UpstreamsOptions {
  services: ServiceMap;
  /** Each service's origin by name (from `<NAME>_SERVICE_URL`); the declaration's `url` when absent. */
  urls: Readonly<Record<string, string>>;
  /** `UPSTREAM_TIMEOUT_MS`: the timeout of services that declare none. */
  defaultTimeoutMs: number;
  /** The gateway's credential minter. */
  minter: CredentialMinter;
  breaker?: UpstreamOptions['breaker'];
  /** Per-service overrides of the declared timeout (milliseconds), e.g. for tests. */
  timeoutsMs?: Readonly<Record<string, number>>;
  onOutcome?: UpstreamOptions['onOutcome'];
}

/** Where a contract entry is served. */
interface Location {
  upstream: Upstream;
  /** The procedure path on that service, e.g. `users.byId`. */
  path: string;
}

/** Every upstream of the gateway, and typed calls built from the contracts alone. */
export interface Upstreams {
  /** Each upstream by service name. */
  readonly byName: Readonly<Record<string, Upstream>>;
  /**
   * Calls a contract entry on the service that serves it, typed from the contract; the answer is
   * parsed with the entry's output schema (undeclared fields stripped).
   * @param timeoutMs a shorter timeout for this call, in milliseconds
   * @throws {UpstreamFailure} for every failure (502 for an answer that breaks the contract)
   */
  call<P extends ProcedureContract>(
    ctx: CallContext,
    procedure: P,
    input: z.input<P['input']>,
    timeoutMs?: number,
  ): Promise<z.output<P['output']>>;
  close(): void;
}

/**
 * Builds one {@link Upstream} per declared service and the index from contract entries to the
 * services that serve them.
 */
export function createUpstreams(options: UpstreamsOptions): Upstreams {
  const byName: Record<string, Upstream> = {};
  const locations = new Map<ProcedureContract, Location>();
  for (const [name, declaration] of Object.entries(options.services)) {
    const upstream = createTracedUpstream({
      name,
      baseUrl: options.urls[name] ?? declaration.url,
      minter: options.minter,
      timeoutMs: options.timeoutsMs?.[name] ?? declaration.timeoutMs ?? options.defaultTimeoutMs,
      ...(options.breaker ? { breaker: options.breaker } : {}),
      ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
    });
    byName[name] = upstream;
    for (const [key, contract] of Object.entries(declaration.contracts)) {
      for (const [procedure, entry] of Object.entries(contract)) {
        locations.set(entry, { upstream, path: `${key}.${procedure}` });
      }
    }
  }
  /** Which declared service serves a contract entry (by identity: `usersContract.byId`). */
  const locate = (procedure: ProcedureContract): Location => {
    const found = locations.get(procedure);
    if (!found) throw new Error('No declared service serves this contract entry (apps/gateway/src/services.ts)');
    return found;
  };
  return {
    byName,
    async call<P extends ProcedureContract>(
      ctx: CallContext,
      procedure: P,
      input: z.input<P['input']>,
      timeoutMs?: number,
    ): Promise<z.output<P['output']>> {
      const { upstream, path } = locate(procedure);
      const answer = await upstream.call(ctx, procedure.type, path, input, timeoutMs);
      const parsed = procedure.output.safeParse(answer);
      if (parsed.success) return parsed.data as z.output<P['output']>;
      throw new UpstreamFailure({
        code: 'BAD_GATEWAY',
        message: `The ${upstream.name} service gave an invalid response`,
        outcome: 'bad_response',
        cause: parsed.error,
      });
    },
    close() {
      for (const upstream of Object.values(byName)) upstream.close();
    },
  };
}
