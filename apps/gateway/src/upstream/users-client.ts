import {
  type Actor,
  type ContractRecord,
  REQUEST_ID_HEADER,
  USERS_SERVICE_AUDIENCE,
  type UsersContract,
  type UsersInternalContract,
} from '@basis/contracts';
import type { UsersRouter } from '@basis/users';
import { createTRPCClient, getUntypedClient, httpLink, type TRPCClient } from '@trpc/client';
import type { AnyTRPCProcedure, inferProcedureOutput, inferRouterInputs } from '@trpc/server';
import type { z } from 'zod';
import { hmacKey } from '../auth/hmac-key.js';
import { mintServiceToken } from '../auth/service-token.js';
import type { UpstreamOutcome } from './errors.js';
import { createUpstreamFetch } from './fetch.js';
import { createUpstreamPolicy, type UpstreamPolicyOptions } from './policy.js';

/** Who a call acts for and which request it belongs to; sent as the service token's claims and `x-request-id`. */
export type CallContext = {
  actor: Actor | null;
  requestId: string;
};

/** Settings of {@link createUsersClient}. */
export interface UsersClientOptions {
  /** Base URL of the users service (`USERS_SERVICE_URL`); the tRPC endpoint is `<baseUrl>/trpc`. */
  baseUrl: string;
  /** `SERVICE_TOKEN_SECRET`. */
  serviceTokenSecret: string;
  /** Per-call timeout in milliseconds (`UPSTREAM_TIMEOUT_MS`). */
  timeoutMs: number;
  breaker?: Pick<UpstreamPolicyOptions, 'breakerThreshold' | 'halfOpenAfterMs'>;
  /** Called once per call with the procedure path, outcome and duration in seconds (for metrics). */
  onOutcome?: (procedure: string, outcome: UpstreamOutcome, seconds: number) => void;
}

/** The typed users client plus the resilience around it. */
export interface UsersClient {
  /**
   * Runs one call to the users service under the timeout and circuit breaker, with a fresh
   * service token for `ctx.actor` and `ctx.requestId` forwarded.
   * @param procedure the procedure path, e.g. `users.byId` (for metrics)
   * @param run performs the call with the typed client and the options to pass it
   * @throws {import('./errors.js').UpstreamFailure} for every failure, mapped by the one table
   */
  call<T>(
    ctx: CallContext,
    procedure: string,
    run: (client: TRPCClient<UsersRouter>, opts: { context: CallContext; signal: AbortSignal }) => Promise<T>,
  ): Promise<T>;
  /**
   * Calls a procedure by its path when the caller only knows it at run time (the contract generator).
   * @param type `query` or `mutation`, from the contract
   */
  callByPath(ctx: CallContext, type: 'query' | 'mutation', procedure: string, input: unknown): Promise<unknown>;
  /** Whether the circuit to users is open. */
  isCircuitOpen(): boolean;
  close(): void;
}

/**
 * Builds the typed tRPC client to the users service (`import type` of its router only).
 * Calls go over {@link createUpstreamFetch}'s keep-alive pool (at most `UPSTREAM_CONNECTIONS`
 * connections); each call gets its own `AbortSignal` that fires
 * after `timeoutMs`, a service token minted for that call, and the request id.
 */
export function createUsersClient(options: UsersClientOptions): UsersClient {
  const serviceKey = hmacKey(options.serviceTokenSecret);
  const transport = createUpstreamFetch();
  const client = createTRPCClient<UsersRouter>({
    links: [
      httpLink({
        url: `${options.baseUrl.replace(/\/$/, '')}/trpc`,
        fetch: transport.fetch,
        headers: ({ op }) => {
          const ctx = op.context as Partial<CallContext>;
          const token = mintServiceToken(serviceKey, USERS_SERVICE_AUDIENCE, ctx.actor ?? null);
          return {
            authorization: `Bearer ${token}`,
            ...(ctx.requestId ? { [REQUEST_ID_HEADER]: ctx.requestId } : {}),
          };
        },
      }),
    ],
  });
  const untyped = getUntypedClient(client);
  const policy = createUpstreamPolicy({ service: 'users', timeoutMs: options.timeoutMs, ...options.breaker });

  async function call<T>(
    ctx: CallContext,
    procedure: string,
    run: (c: TRPCClient<UsersRouter>, opts: { context: CallContext; signal: AbortSignal }) => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    let outcome: UpstreamOutcome = 'ok';
    try {
      return await policy.execute((signal) => run(client, { context: ctx, signal }));
    } catch (error) {
      outcome = (error as { outcome?: UpstreamOutcome }).outcome ?? 'unknown';
      throw error;
    } finally {
      options.onOutcome?.(procedure, outcome, (performance.now() - started) / 1000);
    }
  }

  return {
    call,
    callByPath: (ctx, type, procedure, input) =>
      call(ctx, procedure, (_client, opts) =>
        type === 'query' ? untyped.query(procedure, input, opts) : untyped.mutation(procedure, input, opts),
      ),
    isCircuitOpen: () => policy.isOpen(),
    close: () => {
      policy.dispose();
      void transport.close();
    },
  };
}

type Equals<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
/** Untransformed outputs (`inferRouterOutputs` serializes, turning `void` into `never`). */
type ProcedureOutputs<R> = {
  [K in keyof R as R[K] extends AnyTRPCProcedure ? K : never]: R[K] extends AnyTRPCProcedure
    ? inferProcedureOutput<R[K]>
    : never;
};
type ContractTypes<C extends ContractRecord, Side extends 'input' | 'output'> = {
  [K in keyof C]: Side extends 'input' ? z.input<C[K]['input']> : z.output<C[K]['output']>;
};

/**
 * Compile-time guard: the users router serves every `usersContract` and `usersInternalContract`
 * entry with the contract's input and output types. If the users service drifts from the
 * contract, the gateway stops compiling instead of failing at run time.
 */
export type UsersRouterMatchesContracts = [
  Assert<Equals<inferRouterInputs<UsersRouter>['users'], ContractTypes<UsersContract, 'input'>>>,
  Assert<Equals<ProcedureOutputs<UsersRouter['users']>, ContractTypes<UsersContract, 'output'>>>,
  Assert<Equals<inferRouterInputs<UsersRouter>['internal'], ContractTypes<UsersInternalContract, 'input'>>>,
  Assert<Equals<ProcedureOutputs<UsersRouter['internal']>, ContractTypes<UsersInternalContract, 'output'>>>,
];
