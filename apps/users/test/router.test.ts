import { usersContract, usersInternalContract } from '@basis/contracts';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { UsersRouter } from '../src/index.js';
import { appRouter } from '../src/router.js';

describe('the router', () => {
  it('serves exactly the users and internal contracts, each procedure with the contract’s kind', () => {
    // At runtime tRPC keeps nested routers' procedures flat, keyed by their dotted path.
    const procedures: [string, unknown][] = Object.entries(appRouter._def.procedures);
    const expected = [
      ...Object.entries(usersContract).map(([name, entry]) => [`users.${name}`, entry.type]),
      ...Object.entries(usersInternalContract).map(([name, entry]) => [`internal.${name}`, entry.type]),
    ].sort();
    const served = procedures
      .map(([path, procedure]) => [path, (procedure as { _def: { type: string } })._def.type])
      .sort();
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
});
