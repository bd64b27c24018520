import { afterAll, beforeAll, expect, inject } from 'vitest';
import type { GatewayOptions } from '../../src/server.js';
import { type Api, createApi } from './api.js';
import { Conformance, type OpenApiDoc } from './conformance.js';
import { type RunningGateway, startGateway } from './gateway.js';
import { ADMIN, startUsersService, type UsersService } from './users-service.js';

/** The real users service and a gateway in front of it, plus a conformance-checking client. */
export interface Stack extends AsyncDisposable {
  /** The users service, when this stack started its own (else the shared one from global setup). */
  users: UsersService | undefined;
  usersUrl: string;
  gateway: RunningGateway;
  api: Api;
  conformance: Conformance;
  /** Registers a fresh user and logs them in. */
  newUser(overrides?: { firstName?: string }): Promise<Session>;
  /** Logs in the bootstrap admin. */
  admin(): Promise<Session>;
  close(): Promise<void>;
}

/** A logged-in user: their id, email, password and token pair. */
export interface Session {
  id: number;
  email: string;
  password: string;
  access: string;
  refresh: string;
}

let counter = 0;

/** A unique email for this test process. */
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}@example.com`;
}

/** Logs `email` in through `api`; @returns the user's id and token pair. @throws on any answer but 200 */
async function login(
  api: Api,
  email: string,
  password: string,
): Promise<{ id: number; access: string; refresh: string }> {
  const response = await api('POST', '/api/v1/auth/access', { json: { email, password } });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
  const me = await api('GET', '/api/v1/users/me', { token: String(response.body.access_token) });
  return {
    id: Number(me.body.id),
    access: String(response.body.access_token),
    refresh: String(response.body.refresh_token),
  };
}

/**
 * Registers a fresh user through a gateway's `api` and logs them in.
 * @param overrides extra registration fields
 * @returns the user's id, email, password and token pair
 * @throws when registration or login does not answer 201 / 200
 */
export async function newSession(api: Api, overrides: { firstName?: string } = {}, prefix = 'user'): Promise<Session> {
  const email = uniqueEmail(prefix);
  const password = 'correct horse battery staple';
  const created = await api('POST', '/api/v1/users', { json: { email, password, ...overrides } });
  if (created.status !== 201) throw new Error(`register failed: ${created.status} ${created.text}`);
  return { email, password, ...(await login(api, email, password)) };
}

/**
 * Starts a gateway in front of the shared users service (PGlite in memory, bootstrap admin),
 * or in front of a users service of its own with `ownUsers` (for suites that stop it).
 * @param env gateway variables on top of `USERS_SERVICE_URL`
 */
export async function startStack(
  env: Record<string, string> = {},
  options: Omit<GatewayOptions, 'env'> = {},
  { ownUsers = false } = {},
): Promise<Stack> {
  const users = ownUsers ? await startUsersService() : undefined;
  const usersUrl = users?.url ?? inject('usersUrl');
  let gateway: RunningGateway;
  try {
    // Tests log in often from one IP: a high default limit, unless a test sets its own.
    gateway = await startGateway(
      { USERS_SERVICE_URL: usersUrl, ...env },
      { authRateLimit: { max: 10_000, refreshMax: 10_000, timeWindowMs: 60_000 }, ...options },
    );
  } catch (error) {
    await users?.stop();
    throw error;
  }
  const doc = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as OpenApiDoc;
  const conformance = new Conformance(doc);
  const api = createApi(gateway.url, conformance);

  const close = async () => {
    await gateway.close();
    await users?.stop();
  };
  return {
    users,
    usersUrl,
    gateway,
    api,
    conformance,
    newUser: (overrides = {}) => newSession(api, overrides),
    async admin() {
      return { email: ADMIN.email, password: ADMIN.password, ...(await login(api, ADMIN.email, ADMIN.password)) };
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * A stack for the enclosing test file or describe block: {@link startStack} in `beforeAll`, then `ready` (keep
 * the stack, create the suite's users); in `afterAll` it closes, and the suite fails if any answer its
 * conformance-checking client saw did not match /openapi.json.
 * @param env gateway variables on top of `USERS_SERVICE_URL`, as {@link startStack}
 * @param ready runs once the stack is up, with it
 * @param options other gateway options, as {@link startStack}
 */
export function useStack(
  env: Record<string, string>,
  ready: (stack: Stack) => Promise<void> | void,
  options: Omit<GatewayOptions, 'env'> = {},
): void {
  let stack: Stack | undefined;
  beforeAll(async () => {
    stack = await startStack(env, options);
    await ready(stack);
  });
  afterAll(async () => {
    await stack?.close();
    expect(stack?.conformance.problems ?? []).toEqual([]);
  });
}
