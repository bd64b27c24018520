import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itRejectsCommonAuthFailures } from '../helpers/auth-failures.js';
import type { OpenApiDoc } from '../helpers/conformance.js';
import { type Session, type Stack, startStack, uniqueEmail } from '../helpers/stack.js';

const JWT_SECRET = 'users-suite-jwt-secret-at-least-32-bytes!';
let stack: Stack;
let doc: OpenApiDoc;
let alice: Session;
let bob: Session;
let admin: Session;

beforeAll(async () => {
  stack = await startStack({ JWT_SECRET });
  doc = (await (await fetch(`${stack.gateway.url}/openapi.json`)).json()) as OpenApiDoc;
  [alice, bob, admin] = await Promise.all([stack.newUser({ firstName: 'Alice' }), stack.newUser(), stack.admin()]);
});

afterAll(async () => {
  await stack?.close();
  expect(stack?.conformance.problems ?? []).toEqual([]);
});

describe('POST /api/v1/users', () => {
  it('registers a user with 201, trimmed lower-cased email and no password in the answer', async () => {
    const email = uniqueEmail('Reg');
    const response = await stack.api('POST', '/api/v1/users', {
      json: { email: `  ${email.toUpperCase()} `, password: 'long enough password', lastName: 'Lovelace' },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      email: email.toLowerCase(),
      firstName: null,
      lastName: 'Lovelace',
      role: 'user',
      isActive: true,
    });
    expect(Object.keys(response.body).sort()).toEqual(
      ['createdAt', 'email', 'firstName', 'id', 'isActive', 'lastName', 'role', 'updatedAt'].sort(),
    );
  });

  it('answers 400 with zod issues for an invalid email, a short and a long password', async () => {
    for (const [json, field] of [
      [{ email: 'not-an-email', password: 'long enough password' }, 'email'],
      [{ email: uniqueEmail(), password: 'short77' }, 'password'],
      [{ email: uniqueEmail(), password: 'x'.repeat(129) }, 'password'],
    ] as const) {
      const response = await stack.api('POST', '/api/v1/users', { json });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('BAD_REQUEST');
      expect(response.body.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: [field] })]));
    }
  });

  it('accepts a password of exactly 8 and 128 characters', async () => {
    for (const password of ['x'.repeat(8), 'y'.repeat(128)]) {
      const response = await stack.api('POST', '/api/v1/users', { json: { email: uniqueEmail(), password } });
      expect(response.status).toBe(201);
    }
  });

  it('answers 409 when the email is taken, whatever its case', async () => {
    const response = await stack.api('POST', '/api/v1/users', {
      json: { email: alice.email.toUpperCase(), password: 'another password' },
    });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('CONFLICT');
  });
});

describe('GET /api/v1/users', () => {
  it('lists users with total, limit and offset, 50 by default', async () => {
    const response = await stack.api('GET', '/api/v1/users', { token: alice.access });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ limit: 50, offset: 0 });
    expect(Number(response.body.total)).toBeGreaterThanOrEqual(3);
    expect(Array.isArray(response.body.items)).toBe(true);
  });

  it('pages with limit and offset from the query string', async () => {
    const first = await stack.api('GET', '/api/v1/users?limit=1&offset=0', { token: alice.access });
    const second = await stack.api('GET', '/api/v1/users?limit=1&offset=1', { token: alice.access });
    expect(first.body.items).toHaveLength(1);
    expect(second.body.items).toHaveLength(1);
    expect(first.body.items).not.toEqual(second.body.items);
  });

  it('answers 400 for a limit outside 1..100 or a negative offset', async () => {
    for (const query of ['limit=0', 'limit=101', 'offset=-1', 'limit=abc']) {
      const response = await stack.api('GET', `/api/v1/users?${query}`, { token: alice.access });
      expect(response.status, query).toBe(400);
      expect(response.body.code).toBe('BAD_REQUEST');
    }
  });
});

describe('GET /api/v1/users/me', () => {
  it('answers the caller, never captured by /users/{id}', async () => {
    const response = await stack.api('GET', '/api/v1/users/me', { token: alice.access });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: alice.id, email: alice.email, firstName: 'Alice' });
  });

  it('answers 401 without a token', async () => {
    const response = await stack.api('GET', '/api/v1/users/me');
    expect(response.status).toBe(401);
  });
});

describe('PATCH /api/v1/users/me', () => {
  it('updates the caller’s own fields', async () => {
    const response = await stack.api('PATCH', '/api/v1/users/me', {
      token: bob.access,
      json: { firstName: 'Robert', lastName: null },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: bob.id, firstName: 'Robert', lastName: null });
  });

  it('answers 400 for an invalid field and 409 for a taken email', async () => {
    const invalid = await stack.api('PATCH', '/api/v1/users/me', { token: bob.access, json: { email: 'nope' } });
    expect(invalid.status).toBe(400);
    const taken = await stack.api('PATCH', '/api/v1/users/me', { token: bob.access, json: { email: alice.email } });
    expect(taken.status).toBe(409);
  });

  it('revokes the user’s other sessions on a password change, and keeps the current one', async () => {
    const user = await stack.newUser();
    const other = await stack.api('POST', '/api/v1/auth/access', {
      json: { email: user.email, password: user.password },
    });
    expect(other.status).toBe(200);
    const changed = await stack.api('PATCH', '/api/v1/users/me', {
      token: user.access,
      json: { password: 'a brand new password' },
    });
    expect(changed.status).toBe(200);
    const otherRefresh = await stack.api('POST', '/api/v1/auth/refresh', {
      json: { refresh_token: other.body.refresh_token },
    });
    expect(otherRefresh.status).toBe(401);
    const ownRefresh = await stack.api('POST', '/api/v1/auth/refresh', { json: { refresh_token: user.refresh } });
    expect(ownRefresh.status).toBe(200);
    const oldPassword = await stack.api('POST', '/api/v1/auth/access', {
      json: { email: user.email, password: user.password },
    });
    expect(oldPassword.status).toBe(401);
  });
});

describe('GET /api/v1/users/{id}', () => {
  it('answers a user by id', async () => {
    const response = await stack.api('GET', `/api/v1/users/${bob.id}`, { token: alice.access });
    expect(response.status).toBe(200);
    expect(response.body.id).toBe(bob.id);
  });

  it('answers 400 when the id is not a positive integer', async () => {
    for (const id of ['abc', '0', '-1', '1.5']) {
      const response = await stack.api('GET', `/api/v1/users/${id}`, { token: alice.access });
      expect(response.status, id).toBe(400);
    }
  });

  it('answers 404 for an unknown id', async () => {
    const response = await stack.api('GET', '/api/v1/users/999999', { token: alice.access });
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ code: 'NOT_FOUND', message: expect.any(String) });
  });
});

describe('GET /api/v1/users/1e2, /0x10, /01, /%201 (" 1"), /+1, DELETE /api/v1/users/1e2', () => {
  it.each(['1e2', '0x10', '01', '%201', '+1', '1.0', '0b1'])(
    'answers 400 naming id for /api/v1/users/%s instead of reading it as a number',
    async (id) => {
      const response = await stack.api('GET', `/api/v1/users/${id}`, { token: admin.access });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('BAD_REQUEST');
      expect(response.body.issues).toEqual([
        expect.objectContaining({ path: ['id'], message: expect.stringContaining('id') }),
      ]);
    },
  );

  it('refuses DELETE /api/v1/users/1e2 and PATCH /api/v1/users/0x10 the same way, touching no user', async () => {
    const deleted = await stack.api('DELETE', '/api/v1/users/1e2', { token: admin.access });
    expect(deleted.status).toBe(400);
    const patched = await stack.api('PATCH', '/api/v1/users/0x10', { token: admin.access, json: { firstName: 'X' } });
    expect(patched.status).toBe(400);
    expect(patched.body.issues).toEqual([expect.objectContaining({ path: ['id'] })]);
  });
});

describe('PATCH /api/v1/users/{id}', () => {
  it('lets an admin update any user, with the path id winning over a number id in the body', async () => {
    const target = await stack.newUser();
    const response = await stack.api('PATCH', `/api/v1/users/${target.id}`, {
      token: admin.access,
      json: { id: alice.id, firstName: 'Renamed', role: 'user' },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: target.id, firstName: 'Renamed' });
    const untouched = await stack.api('GET', `/api/v1/users/${alice.id}`, { token: admin.access });
    expect(untouched.body.firstName).toBe('Alice');
  });

  it('keeps JSON types in the body: "false" is not coerced to a boolean', async () => {
    const target = await stack.newUser();
    const response = await stack.api('PATCH', `/api/v1/users/${target.id}`, {
      token: admin.access,
      json: { isActive: 'false' },
    });
    expect(response.status).toBe(400);
    const after = await stack.api('GET', `/api/v1/users/${target.id}`, { token: admin.access });
    expect(after.body.isActive).toBe(true);
  });

  it('answers 403 to a non-admin, 404 for an unknown id and 409 for a taken email', async () => {
    expect(
      (await stack.api('PATCH', `/api/v1/users/${bob.id}`, { token: alice.access, json: { firstName: 'x' } })).status,
    ).toBe(403);
    expect(
      (await stack.api('PATCH', '/api/v1/users/999999', { token: admin.access, json: { firstName: 'x' } })).status,
    ).toBe(404);
    expect(
      (await stack.api('PATCH', `/api/v1/users/${bob.id}`, { token: admin.access, json: { email: alice.email } }))
        .status,
    ).toBe(409);
  });

  it('deactivating a user stops their logins with 403 and revokes their sessions', async () => {
    const target = await stack.newUser();
    const response = await stack.api('PATCH', `/api/v1/users/${target.id}`, {
      token: admin.access,
      json: { isActive: false },
    });
    expect(response.status).toBe(200);
    expect(response.body.isActive).toBe(false);
    const login = await stack.api('POST', '/api/v1/auth/access', {
      json: { email: target.email, password: target.password },
    });
    expect(login.status).toBe(403);
    const refresh = await stack.api('POST', '/api/v1/auth/refresh', { json: { refresh_token: target.refresh } });
    expect(refresh.status).toBe(401);
  });
});

describe('DELETE /api/v1/users/{id}', () => {
  it('lets a user delete themself with 204 and an empty body', async () => {
    const target = await stack.newUser();
    const response = await stack.api('DELETE', `/api/v1/users/${target.id}`, { token: target.access });
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expect(response.headers.get('content-type')).toBeNull();
    const gone = await stack.api('GET', `/api/v1/users/${target.id}`, { token: alice.access });
    expect(gone.status).toBe(404);
  });

  it('lets an admin delete another user, and answers 404 the second time', async () => {
    const target = await stack.newUser();
    expect((await stack.api('DELETE', `/api/v1/users/${target.id}`, { token: admin.access })).status).toBe(204);
    expect((await stack.api('DELETE', `/api/v1/users/${target.id}`, { token: admin.access })).status).toBe(404);
  });

  it('answers 403 to a user deleting someone else, and 400 for a bad id', async () => {
    expect((await stack.api('DELETE', `/api/v1/users/${bob.id}`, { token: alice.access })).status).toBe(403);
    expect((await stack.api('DELETE', '/api/v1/users/abc', { token: admin.access })).status).toBe(400);
  });
});

describe('every protected route', () => {
  itRejectsCommonAuthFailures(() => ({
    api: stack.api,
    doc,
    jwtSecret: JWT_SECRET,
    userToken: alice.access,
    otherUserId: bob.id,
  }));
});
