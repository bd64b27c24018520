import { mintServiceToken as mintKitServiceToken, type TokenActor, type TokenOverrides } from '@basis/service-kit/test';
import { createTRPCClient, httpLink, type TRPCClient } from '@trpc/client';
import type { FastifyInstance } from 'fastify';
import type { DatabaseHandle } from '../../src/db/client.js';
import { parseEnv } from '../../src/env.js';
import type { UsersRouter } from '../../src/index.js';
import { SessionsRepository } from '../../src/repositories/sessions.js';
import { buildServer } from '../../src/server.js';

export type { TokenActor };

/**
 * Mints a service token for the users service like the gateway does (its development key, which test
 * servers trust); `overrides` let tests break one property at a time (`audience` included, default `users`).
 * @param actor the acting user, or `null`
 */
export function mintServiceToken(
  actor: TokenActor | null,
  overrides: TokenOverrides & { audience?: string } = {},
): string {
  const { audience = 'users', ...rest } = overrides;
  return mintKitServiceToken(audience, actor, rest);
}

/** A typed tRPC client of the users service. */
export type UsersClient = TRPCClient<UsersRouter>;

/** A users service listening on an ephemeral port, closed (not the database) on dispose. */
export interface TestServer extends AsyncDisposable {
  app: FastifyInstance;
  url: string;
  /** Every response body this server's clients received, in order (to check that none leaks a secret). */
  responses: string[];
  /** A client whose every call carries a fresh service token for `actor` (or no actor), from `overrides.issuer` (`gateway`). */
  client(actor?: TokenActor | null, overrides?: TokenOverrides): UsersClient;
  /** A client that sends exactly this `Authorization` header (or none). */
  rawClient(authorization: string | undefined): UsersClient;
  /**
   * Logs a user in as the gateway would: opens a real refresh session for them and returns a client
   * whose service tokens carry their id, the given role (the one their access token would claim) and
   * that session's id.
   */
  login(user: TokenActor): Promise<{ client: UsersClient; sessionId: string; actor: Required<TokenActor> }>;
}

/**
 * Starts the real server (`buildServer`) on 127.0.0.1, port 0, over an open database.
 * @param db an open, migrated database; the caller closes it
 * @param options.logLines when given, the server logs at `info` and every JSON log line is pushed here
 *   (parsed); otherwise it logs nothing
 * @param options.actorCacheTtlMs how long the server reuses a live session's actor (its default otherwise)
 */
export async function startServer(
  db: DatabaseHandle,
  options: { logLines?: Record<string, unknown>[]; actorCacheTtlMs?: number } = {},
): Promise<TestServer> {
  const { logLines, actorCacheTtlMs } = options;
  const env = parseEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: logLines ? 'info' : 'silent',
  });
  const logStream = logLines && { write: (line: string) => void logLines.push(JSON.parse(line)) };
  const app = await buildServer({
    env,
    db,
    ...(logStream ? { logStream } : {}),
    ...(actorCacheTtlMs === undefined ? {} : { actorCacheTtlMs }),
  });
  const responses: string[] = [];
  /** `fetch` that records every response body the clients receive. */
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    responses.push(await response.clone().text());
    return response;
  };
  const sessions = new SessionsRepository(db.db);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `${address}/trpc`;
  const rawClient = (authorization: string | undefined): UsersClient =>
    createTRPCClient<UsersRouter>({
      links: [
        httpLink({ url, fetch: recordingFetch, headers: () => (authorization === undefined ? {} : { authorization }) }),
      ],
    });
  const client = (actor: TokenActor | null = null, overrides: TokenOverrides = {}): UsersClient =>
    createTRPCClient<UsersRouter>({
      links: [
        httpLink({
          url,
          fetch: recordingFetch,
          headers: () => ({ authorization: `Bearer ${mintServiceToken(actor, overrides)}` }),
        }),
      ],
    });
  return {
    app,
    url: address,
    responses,
    client,
    rawClient,
    login: async ({ id, role }) => {
      const { sessionId } = await sessions.create(id, 3600);
      const actor = { id, role, sessionId };
      return { client: client(actor), sessionId, actor };
    },
    [Symbol.asyncDispose]: () => app.close(),
  };
}
