import type { ContractRecord, RestRoute } from '@basis/contracts';
import type { AnyTRPCRouter } from '@trpc/server';
import type { router } from '../trpc.js';
import type { ServiceMap } from '../upstream/service.js';
import { type ContractProcedures, fromContract, type PublishOptions, via } from './from-contract.js';
import type { PostProcessStep } from './post-process.js';

type UnionToIntersection<U> = (U extends unknown ? (value: U) => void : never) extends (value: infer I) => void
  ? I
  : never;
/** Every contract of every service, keyed by router key. */
type AllContracts<S extends ServiceMap> = UnionToIntersection<S[keyof S]['contracts']>;
/** Whether a contract has at least one entry with a REST route. */
type HasRest<C> = true extends { [K in keyof C]: C[K] extends { rest: RestRoute } ? true : false }[keyof C]
  ? true
  : false;
/** The router {@link fromContract} builds for a contract. */
type ContractRouter<C extends ContractRecord> = ReturnType<typeof router<ContractProcedures<C>>>;

/** The routers {@link publishServices} builds: one per contract key that has REST routes. */
export type PublishedRouters<S extends ServiceMap> = {
  [K in keyof AllContracts<S> as HasRest<AllContracts<S>[K]> extends true
    ? K
    : never]: AllContracts<S>[K] extends ContractRecord ? ContractRouter<AllContracts<S>[K]> : never;
};

/**
 * Republishes every declared service's contracts: each contract key with at least one REST route
 * becomes `fromContract(contract, via(service, key), { postProcess })` under the same key (so
 * `posts: postsContract` on service `posts` gives `/api/v1/posts…` and `/trpc/posts.*`).
 * @param services the declaration (services.ts)
 * @returns the routers by key, typed after the contracts
 */
export function publishServices<const S extends ServiceMap>(services: S): PublishedRouters<S> {
  const routers: Record<string, AnyTRPCRouter> = {};
  for (const [service, declaration] of Object.entries(services)) {
    for (const [key, contract] of Object.entries(declaration.contracts)) {
      if (!Object.values(contract).some((entry) => entry.rest !== undefined)) continue;
      if (routers[key]) throw new Error(`Two services publish the contract key ${key}`);
      const postProcess: Record<string, readonly PostProcessStep[]> = {};
      for (const [route, steps] of Object.entries(declaration.postProcess ?? {})) {
        if (route.startsWith(`${key}.`)) postProcess[route.slice(key.length + 1)] = steps;
      }
      const options: PublishOptions = { postProcess };
      routers[key] = fromContract(contract, via(service, key), options);
    }
  }
  return routers as PublishedRouters<S>;
}
