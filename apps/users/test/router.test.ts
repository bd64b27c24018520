import {
  type ContractRecord,
  type UsersContract,
  type UsersInternalContract,
  usersContract,
  usersEventsContract,
  usersInternalContract,
} from '@basis/contracts';
import type { AnyTRPCProcedure, inferProcedureOutput, inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { UsersRouter } from '../src/index.js';
import { appRouter } from '../src/router.js';

/** Untransformed outputs (`inferRouterOutputs` serializes, turning `void` into `never`). */
type ProcedureOutputs<R> = {
  [K in keyof R as R[K] extends AnyTRPCProcedure ? K : never]: R[K] extends AnyTRPCProcedure
    ? inferProcedureOutput<R[K]>
    : never;
};
type ContractTypes<C extends ContractRecord, Side extends 'input' | 'output'> = {
  [K in keyof C]: Side extends 'input' ? z.input<C[K]['input']> : z.output<C[K]['output']>;
};

type Equals<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
/** Compile-time guard: the router serves every contract entry with the contract's input and output types. */
type RouterMatchesContracts = [
  Assert<Equals<inferRouterInputs<UsersRouter>['users'], ContractTypes<UsersContract, 'input'>>>,
  Assert<Equals<ProcedureOutputs<UsersRouter['users']>, ContractTypes<UsersContract, 'output'>>>,
  Assert<Equals<inferRouterInputs<UsersRouter>['internal'], ContractTypes<UsersInternalContract, 'input'>>>,
  Assert<Equals<ProcedureOutputs<UsersRouter['internal']>, ContractTypes<UsersInternalContract, 'output'>>>,
];

describe('the router', () => {
  it('serves exactly the users, internal and events contracts, each procedure with the contract’s kind and allow-list', () => {
    // At runtime tRPC keeps nested routers' procedures flat, keyed by their dotted path.
    const procedures: [string, unknown][] = Object.entries(appRouter._def.procedures);
    const expected = [
      ...Object.entries(usersContract).map(([name, entry]) => [`users.${name}`, entry.type]),
      ...Object.entries(usersInternalContract).map(([name, entry]) => [`internal.${name}`, entry.type]),
      ...Object.entries(usersEventsContract).map(([name, entry]) => [`events.${name}`, entry.type]),
    ].sort();
    const served = procedures
      .map(([path, procedure]) => [path, (procedure as { _def: { type: string } })._def.type])
      .sort();
    const callers = (path: string) =>
      (appRouter._def.procedures as unknown as Record<string, { _def: { meta?: { callers?: readonly string[] } } }>)[
        path
      ]?._def.meta?.callers;
    expect(callers('internal.createSession')).toEqual(['gateway']);
    expect(callers('users.list')).toEqual(['gateway']);
    expect(callers('events.feed')).toEqual(['posts']);
    expect(served).toEqual(expected);
  });

  it('exposes contract types to clients', () => {
    type Inputs = inferRouterInputs<UsersRouter>;
    type Outputs = inferRouterOutputs<UsersRouter>;
    expectTypeOf<Inputs['users']['byId']>().toEqualTypeOf<{ id: number }>();
    expectTypeOf<Outputs['users']['byId']['createdAt']>().toEqualTypeOf<string>();
    expectTypeOf<Outputs['users']['byId']>().not.toHaveProperty('passwordHash');
    expectTypeOf<Outputs['internal']['rotateSession']['user']['role']>().toEqualTypeOf<'user' | 'admin'>();
    expectTypeOf<Outputs['internal']['revokeUserSessions']>().toEqualTypeOf<{ revoked: number }>();
  });

  it('matches the contracts exactly, input and output of every procedure (checked by tsc)', () => {
    // The gateway builds its calls from the contracts alone; this is what keeps the service honest to them.
    // A drift makes `Assert<false>` and this file stops compiling (`npm run typecheck`).
    const checked: RouterMatchesContracts = [true, true, true, true];
    expect(checked).toHaveLength(4);
  });
});
