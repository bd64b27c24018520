import { describe, expect, it } from 'vitest';
import { type Stack, useStack } from '../helpers/stack.js';

let stack: Stack;

useStack({}, (started) => {
  stack = started;
});

describe('DELETE with content-type application/json and no body (answered 400 "Empty body with content-type")', () => {
  it('deletes: a DELETE reads no body, so an empty one labelled JSON is no body', async () => {
    const user = await stack.newUser();
    const response = await fetch(`${stack.gateway.url}/api/v1/users/${user.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${user.access}`, 'content-type': 'application/json' },
    });
    expect(response.status).toBe(204);
    const admin = await stack.admin();
    const gone = await stack.api('GET', `/api/v1/users/${user.id}`, { token: admin.access });
    expect(gone.status).toBe(404);
  });

  it('still refuses a POST with an empty JSON body (400 in the envelope)', async () => {
    const response = await fetch(`${stack.gateway.url}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'BAD_REQUEST' });
  });
});
