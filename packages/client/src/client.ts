import { authContract, type Credentials, type TokenResponse } from '@basis/contracts';
import { BasisApiError } from './errors.js';
import {
  buildRequest,
  type RequestOptions,
  type RestMethods,
  type RestProcedure,
  restContracts,
  restProcedures,
} from './routes.js';
import { Session, type TokensListener } from './session.js';
import { createTransport } from './transport.js';

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** The gateway's origin, e.g. `http://127.0.0.1:8001`; REST calls go to `${baseURL}${basePath}`. */
  baseURL: string;
  /** Prefix of the REST API on the gateway; `/api/v1` by default. */
  basePath?: string;
  /** The fetch implementation; defaults to the global one (Node ≥ 18, browsers). */
  fetch?: typeof globalThis.fetch;
  /** Called whenever the kept tokens change (to persist them), with `null` when they are dropped. */
  onTokens?: TokensListener;
  /** Tokens to start with, e.g. restored from storage. */
  tokens?: TokenResponse;
}

/** The session helpers every client has besides its generated methods. */
export interface SessionMethods {
  /**
   * Logs in (`POST /auth/access`) and keeps the returned tokens for the calls that need a bearer.
   * @returns the token pair; `expires_in` is the access token's lifetime in seconds
   * @throws {BasisApiError} 400 invalid body, 401 wrong email or password, 403 inactive user, 429
   */
  login(credentials: Credentials, options?: RequestOptions): Promise<TokenResponse>;
  /**
   * Exchanges the kept refresh token for a new pair now (`POST /auth/refresh`) and keeps it.
   * Concurrent calls, and the automatic refresh after a 401, share one request.
   * @throws {Error} when no refresh token is kept
   * @throws {BasisApiError} 401 when the refresh token is invalid, expired, revoked or reused (the kept tokens are dropped)
   */
  refresh(): Promise<TokenResponse>;
  /**
   * Revokes the kept refresh token's session (`POST /auth/logout`) and drops the kept tokens,
   * even when the call fails. Does nothing over the network when no token is kept.
   * @throws {BasisApiError} when the logout call fails (the tokens are dropped all the same)
   */
  logout(options?: RequestOptions): Promise<void>;
  /** The kept token pair, or `null`. */
  readonly tokens: TokenResponse | null;
  /** Replaces the kept tokens (`null` drops them) and tells `onTokens`. */
  setTokens(tokens: TokenResponse | null): void;
}

/** A typed REST client of the gateway: one method per REST route of the contracts, plus the session helpers. */
export type BasisClient = RestMethods & SessionMethods;

/**
 * Creates a typed REST client of the Basis gateway. Methods are derived from the contracts'
 * `rest` metadata: `client.users.byId({ id: 1 })` sends `GET /api/v1/users/1`. Inputs are sent
 * as given (the gateway validates them); outputs are typed from the contracts, `void` for 204.
 *
 * Calls to routes that need a user send `Authorization: Bearer <access token>` from the kept
 * tokens. On a 401 from such a route the client refreshes once with the kept refresh token
 * (concurrent 401s share that one refresh) and retries the call once. Successful
 * `auth.access` and `auth.refresh` calls keep their tokens; `auth.logout` of the kept refresh
 * token drops them.
 *
 * @throws {BasisApiError} from every method: `status`, `code`, `requestId` and `issues` come from
 *   the gateway's error envelope; `status` 0 with code `NETWORK_ERROR` when no answer arrived
 * @example
 * const client = createClient({ baseURL: 'http://127.0.0.1:8001' });
 * await client.users.create({ email: 'ada@example.com', password: 'correct horse battery staple' });
 * await client.login({ email: 'ada@example.com', password: 'correct horse battery staple' });
 * const me = await client.users.me();
 */
export function createClient(options: ClientOptions): BasisClient {
  const send = createTransport({
    restBaseURL: `${options.baseURL.replace(/\/+$/, '')}${options.basePath ?? '/api/v1'}`,
    fetch: options.fetch,
  });
  const refreshRoute = authContract.refresh.rest;
  const session = new Session(async (refreshToken) => {
    const { body } = await send(buildRequest(refreshRoute, { refresh_token: refreshToken }), undefined);
    return body as TokenResponse;
  }, options.onTokens);
  if (options.tokens !== undefined) session.set(options.tokens);

  /** Sends a call, with the bearer and the one refresh-and-retry when the route needs a user. */
  async function call(procedure: RestProcedure, input: unknown, callOptions?: RequestOptions): Promise<unknown> {
    const request = buildRequest(procedure.rest, input);
    if (procedure.auth === 'public') return (await send(request, undefined, callOptions)).body;
    const accessToken = session.tokens?.access_token;
    try {
      return (await send(request, accessToken, callOptions)).body;
    } catch (error) {
      if (!(error instanceof BasisApiError) || error.status !== 401 || session.tokens === null) throw error;
      let renewed: string | null;
      try {
        renewed = await session.renew(accessToken);
      } catch (refreshError) {
        if (refreshError instanceof BasisApiError && refreshError.isNetworkError) throw refreshError;
        throw error.withCause(refreshError);
      }
      if (renewed === null) throw error;
      return (await send(request, renewed, callOptions)).body;
    }
  }

  /** Keeps or drops tokens after the auth procedures, so a rotated refresh token is never reused. */
  function afterCall(procedure: RestProcedure, input: unknown, output: unknown): void {
    if (procedure === authContract.access || procedure === authContract.refresh) {
      session.set(output as TokenResponse);
    } else if (procedure === authContract.logout) {
      const revoked = (input as { refresh_token?: unknown } | undefined)?.refresh_token;
      if (revoked === session.tokens?.refresh_token) session.set(null);
    }
  }

  const methods: Record<string, Record<string, unknown>> = {};
  for (const [namespace, contracts] of Object.entries(restContracts)) {
    const group: Record<string, unknown> = {};
    for (const [name, procedure] of restProcedures(contracts)) {
      group[name] = async (input?: unknown, callOptions?: RequestOptions) => {
        const output = await call(procedure, input, callOptions);
        afterCall(procedure, input, output);
        return output;
      };
    }
    methods[namespace] = group;
  }
  const rest = methods as unknown as RestMethods;

  return {
    ...rest,
    login: (credentials, callOptions) => rest.auth.access(credentials, callOptions),
    refresh: () => session.refresh(),
    async logout(callOptions) {
      const refreshToken = session.tokens?.refresh_token;
      if (refreshToken === undefined) return;
      try {
        await rest.auth.logout({ refresh_token: refreshToken }, callOptions);
      } finally {
        session.set(null);
      }
    },
    get tokens() {
      return session.tokens;
    },
    setTokens: (tokens) => session.set(tokens),
  };
}
