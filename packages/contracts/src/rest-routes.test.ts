import { describe, expect, it } from 'vitest';
import type { ProcedureContract, RestRoute } from './contract.js';
import { authContract } from './procedures/auth.js';
import { usersContract } from './procedures/users.js';
import { usersInternalContract } from './procedures/users-internal.js';

const published: Record<string, Record<string, ProcedureContract>> = { users: usersContract, auth: authContract };
const routes: Array<[string, RestRoute]> = Object.entries(published).flatMap(([namespace, contracts]) =>
  Object.entries(contracts).flatMap(([name, contract]) =>
    contract.rest === undefined ? [] : [[`${namespace}.${name}`, contract.rest] as [string, RestRoute]],
  ),
);

describe('REST metadata of the published contracts', () => {
  it('gives every public procedure a route', () => {
    for (const [namespace, contracts] of Object.entries(published)) {
      for (const [name, contract] of Object.entries(contracts)) {
        expect(contract.rest, `${namespace}.${name}`).toBeDefined();
      }
    }
  });

  it('uses each method and path once', () => {
    const keys = routes.map(([, route]) => `${route.method} ${route.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('has the /users/me routes, declared before /users/{id} would shadow them', () => {
    const keys = routes.map(([, route]) => `${route.method} ${route.path}`);
    expect(keys).toContain('GET /users/me');
    expect(keys).toContain('PATCH /users/me');
    expect(keys.indexOf('GET /users/me')).toBeLessThan(keys.indexOf('GET /users/{id}'));
    expect(keys.indexOf('PATCH /users/me')).toBeLessThan(keys.indexOf('PATCH /users/{id}'));
  });

  it('lists exactly the routes of the spec', () => {
    expect(
      routes.map(([name, route]) => `${route.method} ${route.path} ${route.successStatus} ${name}`).sort(),
    ).toEqual(
      [
        'POST /auth/access 200 auth.access',
        'POST /auth/refresh 200 auth.refresh',
        'POST /auth/logout 204 auth.logout',
        'POST /users 201 users.create',
        'GET /users 200 users.list',
        'GET /users/me 200 users.me',
        'PATCH /users/me 200 users.updateMe',
        'GET /users/{id} 200 users.byId',
        'PATCH /users/{id} 200 users.update',
        'DELETE /users/{id} 204 users.delete',
      ].sort(),
    );
  });

  it.each(routes)('%s names every path parameter in its input', (_name, route) => {
    const params = [...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
    const contract = Object.values(published)
      .flatMap((contracts) => Object.values(contracts))
      .find((c) => c.rest === route);
    const shape = (contract?.input as { shape?: Record<string, unknown> } | undefined)?.shape ?? {};
    for (const param of params) expect(Object.keys(shape)).toContain(param);
  });

  it.each(routes)(
    '%s documents a 401 when it needs a caller, and a 403 only when not every caller may',
    (name, route) => {
      const [namespace, procedure] = name.split('.') as [string, string];
      const auth = published[namespace]?.[procedure]?.auth;
      if (auth !== 'public') expect(route.errors[401]).toBeDefined();
      if (auth === 'user') expect(route.errors[403]).toBeUndefined();
      if (auth === 'admin' || auth === 'selfOrAdmin') expect(route.errors[403]).toBeDefined();
    },
  );

  it('never publishes internal procedures', () => {
    for (const contract of Object.values(usersInternalContract)) expect(contract).not.toHaveProperty('rest');
  });
});
