import { mintServiceToken, type TokenActor } from '@basis/service-kit/test';
import { createTRPCClient, httpLink, type TRPCClient } from '@trpc/client';
import type { FastifyInstance } from 'fastify';
import type { DatabaseHandle } from '../../src/db/client.js';
import { IDENTITY, parseEnv } from '../../src/env.js';
import type { PostsRouter } from '../../src/index.js';
import { buildServer } from '../../src/server.js';

/** A typed tRPC client of the posts service. */
export type PostsClient = TRPCClient<PostsRouter>;

/** A posts service listening on an ephemeral port, closed (not the database) on dispose. */
export interface TestServer extends AsyncDisposable {
  app: FastifyInstance;
  url: string;
  /** Every response body this server's clients received, in order (to check that none leaks a stack). */
  responses: string[];
  /** A client whose every call carries a fresh service credential for `actor` (or no actor). */
  client(actor?: TokenActor | null): PostsClient;
  /** A client that sends exactly this `Authorization` header (or none). */
  rawClient(authorization: string | undefined): PostsClient;
}

/**
 * Starts the real server (`buildServer`) on 127.0.0.1, port 0, over an open database.
 * @param db an open, migrated database; the caller closes it
 */
export async function startServer(db: DatabaseHandle): Promise<TestServer> {
  const env = parseEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  const app = await buildServer({ env, db });
  const responses: string[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    responses.push(await response.clone().text());
    return response;
  };
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `${address}/trpc`;
  const withHeaders = (headers: () => Record<string, string>): PostsClient =>
    createTRPCClient<PostsRouter>({ links: [httpLink({ url, fetch: recordingFetch, headers })] });
  return {
    app,
    url: address,
    responses,
    client: (actor = null) => withHeaders(() => ({ authorization: `Bearer ${mintServiceToken(IDENTITY, actor)}` })),
    rawClient: (authorization) =>
      withHeaders((): Record<string, string> => (authorization === undefined ? {} : { authorization })),
    [Symbol.asyncDispose]: () => app.close(),
  };
}
