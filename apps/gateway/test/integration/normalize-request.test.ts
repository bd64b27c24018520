import { describe, expect, it } from 'vitest';
import { rawRequest } from '../helpers/raw-http.js';
import { type Session, type Stack, uniqueEmail, useStack } from '../helpers/stack.js';

// Regression tests for http/normalize-request.ts: paths with dot segments or duplicate slashes
// were routed (or not) as spelled, and `APPLICATION/JSON` got 415.

let stack: Stack;
let user: Session;

useStack({}, async (started) => {
  stack = started;
  user = await stack.newUser();
});

describe('curl --path-as-is GET /api/v1/users/./me, /api/v1//users/me, /api/v1/x/../users/me', () => {
  it.each(['/api/v1/users/./me', '/api/v1//users/me', '/api/v1/x/../users/me', '/api/v1/users/%2e/me'])(
    'routes %s as /api/v1/users/me',
    async (path) => {
      const response = await rawRequest(stack.gateway.url, 'GET', path, {
        headers: { authorization: `Bearer ${user.access}` },
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: user.id, email: user.email });
    },
  );

  it('keeps the query string: GET /api/v1/./users?limit=1', async () => {
    const response = await rawRequest(stack.gateway.url, 'GET', '/api/v1/./users?limit=1', {
      headers: { authorization: `Bearer ${user.access}` },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ limit: 1 });
  });

  it('never climbs above the root: GET /../../healthz', async () => {
    expect((await rawRequest(stack.gateway.url, 'GET', '/../../healthz')).status).toBe(200);
  });
});

describe('POST /api/v1/users with content-type: APPLICATION/JSON', () => {
  it.each(['APPLICATION/JSON', 'Application/Json; charset=UTF-8'])('is JSON with %s, not 415', async (contentType) => {
    const response = await stack.api('POST', '/api/v1/users', {
      json: { email: uniqueEmail('upper-ct'), password: 'long enough password' },
      contentType,
    });
    expect(response.status).toBe(201);
  });

  it('is JSON on /trpc too', async () => {
    const response = await fetch(`${stack.gateway.url}/trpc/users.create`, {
      method: 'POST',
      headers: { 'content-type': 'APPLICATION/JSON' },
      body: JSON.stringify({ email: uniqueEmail('upper-ct-trpc'), password: 'long enough password' }),
    });
    expect(response.status).toBe(200);
  });

  it('still answers 415 for a media type that is not JSON in any case: TEXT/PLAIN', async () => {
    const response = await stack.api('POST', '/api/v1/users', { raw: 'email=a', contentType: 'TEXT/PLAIN' });
    expect(response.status).toBe(415);
  });
});
