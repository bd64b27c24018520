import { type ContractRecord, postsContract, profilesContract, usersContract } from '@basis/contracts';
import jwt from 'jsonwebtoken';
import { expect, it } from 'vitest';
import { ACCESS_TOKEN } from '../../src/auth/access-tokens.js';
import type { Api } from './api.js';
import type { OpenApiDoc } from './conformance.js';

/** A protected route as the document lists it, with a concrete path and body to call it with. */
export interface ProtectedCall {
  method: string;
  template: string;
  path: string;
  json?: unknown;
  /** Whether the gateway itself needs more than a valid token there (contract auth `admin` or `selfOrAdmin`). */
  roleRestricted: boolean;
}

/**
 * `METHOD /path` of every published route whose contract restricts it by role, so the gateway answers
 * 403 on its own. (A 403 a service decides, such as posts' authorship check, needs that service running.)
 */
const ROLE_RESTRICTED = new Set(
  ([usersContract, postsContract, profilesContract] as ContractRecord[]).flatMap((contract) =>
    Object.values(contract).flatMap((entry) =>
      entry.rest && (entry.auth === 'admin' || entry.auth === 'selfOrAdmin')
        ? [`${entry.rest.method} ${entry.rest.path}`]
        : [],
    ),
  ),
);

/** What the shared auth-failure suite needs from the test file, once its stack is up. */
export interface AuthFailureContext {
  api: Api;
  doc: OpenApiDoc;
  jwtSecret: string;
  /** An access token of a plain user who is not `otherUserId`. */
  userToken: string;
  /** A user id that is not the plain user's own (for `{id}` paths). */
  otherUserId: number;
}

/** Every route of the document with bearer security, with `{id}` filled in and `{}` bodies. */
export function protectedCalls(doc: OpenApiDoc, otherUserId: number): ProtectedCall[] {
  return Object.entries(doc.paths).flatMap(([template, item]) =>
    Object.entries(item)
      .filter(([, operation]) => {
        // Public routes say `security: []`; protected ones name the bearer scheme.
        const security = (operation as { security?: unknown }).security;
        return Array.isArray(security) && security.length > 0;
      })
      .map(([method]) => {
        return {
          method: method.toUpperCase(),
          template,
          path: `/api/v1${template.replace('{id}', String(otherUserId))}`,
          ...(method === 'get' || method === 'delete' ? {} : { json: {} }),
          roleRestricted: ROLE_RESTRICTED.has(`${method.toUpperCase()} ${template}`),
        };
      }),
  );
}

function expiredToken(secret: string): string {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign({ role: 'admin', sid: 's', iat: now - 3600, exp: now - 600 }, secret, {
    algorithm: 'HS256',
    issuer: ACCESS_TOKEN.issuer,
    audience: ACCESS_TOKEN.audience,
    subject: '1',
    jwtid: 'j',
  });
}

/**
 * The common auth failures, run against every protected route of the document (Unkey style):
 * no token or another scheme → 401 `WWW-Authenticate: Bearer`; a malformed bearer header, a non-JWT token or an
 * expired token → 401 `Bearer error="invalid_token"`; a plain user on an admin route → 403.
 * Call inside a `describe`; `context()` is read when the tests run (after `beforeAll`).
 */
export function itRejectsCommonAuthFailures(context: () => AuthFailureContext): void {
  const cases = [
    { name: 'no token', header: undefined, challenge: 'Bearer' },
    { name: 'a header without a token', header: 'Bearer', challenge: 'Bearer error="invalid_token"' },
    // RFC 6750 §3.1: a request using another authentication method gets no error code.
    { name: 'another scheme', header: 'Basic YWRhOnB3', challenge: 'Bearer' },
    { name: 'a token that is not a JWT', header: 'Bearer not-a-jwt', challenge: 'Bearer error="invalid_token"' },
  ] as const;

  for (const failure of cases) {
    it(`answers 401 on every protected route with ${failure.name}`, async () => {
      const { api, doc, otherUserId } = context();
      const calls = protectedCalls(doc, otherUserId);
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls) {
        const response = await api(call.method, call.path, {
          ...(call.json !== undefined ? { json: call.json } : {}),
          ...(failure.header !== undefined ? { authorization: failure.header } : {}),
        });
        expect(response.status, `${call.method} ${call.template}`).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe(failure.challenge);
        expect(response.body.code).toBe('UNAUTHORIZED');
      }
    });
  }

  it('answers 401 invalid_token on every protected route with an expired token', async () => {
    const { api, doc, otherUserId, jwtSecret } = context();
    for (const call of protectedCalls(doc, otherUserId)) {
      const response = await api(call.method, call.path, {
        ...(call.json !== undefined ? { json: call.json } : {}),
        token: expiredToken(jwtSecret),
      });
      expect(response.status, `${call.method} ${call.template}`).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    }
  });

  it('answers 403 on every role-restricted route to a plain user acting on someone else', async () => {
    const { api, doc, otherUserId, userToken } = context();
    const restricted = protectedCalls(doc, otherUserId).filter((call) => call.roleRestricted);
    expect(restricted.length).toBeGreaterThan(0);
    for (const call of restricted) {
      const response = await api(call.method, call.path, {
        ...(call.json !== undefined ? { json: call.json } : {}),
        token: userToken,
      });
      expect(response.status, `${call.method} ${call.template}`).toBe(403);
      expect(response.body.code).toBe('FORBIDDEN');
    }
  });
}
