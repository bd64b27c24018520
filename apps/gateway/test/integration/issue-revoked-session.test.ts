import { describe, expect, it } from 'vitest';
import { type Session, type Stack, useStack } from '../helpers/stack.js';

const JWT_SECRET = 'revoked-session-suite-jwt-secret-32-bytes!';
let stack: Stack;
let root: Session;

useStack({ JWT_SECRET }, async (started) => {
  stack = started;
  root = await stack.admin();
});

/**
 * Tester report: a demoted and deactivated admin's old access token still passed. The users service
 * now checks the token's session and the user's current role on every call; its UNAUTHORIZED reaches
 * the client as a 401 with `WWW-Authenticate`, and its FORBIDDEN as a 403.
 */
describe('PATCH /api/v1/users/{own id} {"role":"admin","isActive":true} with a demoted, deactivated admin’s old token (tester report)', () => {
  it('answers 401 with WWW-Authenticate once another admin has demoted and deactivated them', async () => {
    const mallory = await stack.newUser();
    const promoted = await stack.api('PATCH', `/api/v1/users/${mallory.id}`, {
      token: root.access,
      json: { role: 'admin' },
    });
    expect(promoted.status).toBe(200);
    // A promotion revokes the sessions: log in again to hold an admin token.
    const login = await stack.api('POST', '/api/v1/auth/access', {
      json: { email: mallory.email, password: mallory.password },
    });
    const adminToken = String(login.body.access_token);
    expect(
      (
        await stack.api('PATCH', `/api/v1/users/${mallory.id}`, {
          token: root.access,
          json: { role: 'user', isActive: false },
        })
      ).status,
    ).toBe(200);

    const response = await stack.api('PATCH', `/api/v1/users/${mallory.id}`, {
      token: adminToken,
      json: { role: 'admin', isActive: true },
    });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: 'UNAUTHORIZED', message: 'Session expired or revoked' });
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    const after = await stack.api('GET', `/api/v1/users/${mallory.id}`, { token: root.access });
    expect(after.body).toMatchObject({ role: 'user', isActive: false });
  });

  it('answers 401 to an access token whose session was logged out', async () => {
    const ada = await stack.newUser();
    expect((await stack.api('GET', '/api/v1/users/me', { token: ada.access })).status).toBe(200);
    const logout = await stack.api('POST', '/api/v1/auth/logout', { json: { refresh_token: ada.refresh } });
    expect(logout.status).toBe(204);
    // GET /users/me is cached per caller (issue 11) behind the session check, whose answer is reused
    // ≤ 2 s: the SPEC rule is a refusal within 5 s.
    const started = performance.now();
    let response = await stack.api('GET', '/api/v1/users/me', { token: ada.access });
    while (response.status === 200 && performance.now() - started < 5000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      response = await stack.api('GET', '/api/v1/users/me', { token: ada.access });
    }
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });
});
