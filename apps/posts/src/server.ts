import { buildServiceServer } from '@basis/service-kit';
import type { FastifyInstance } from 'fastify';
import type { DatabaseHandle } from './db/client.js';
import type { PostsEnv } from './env.js';
import { PostsRepository } from './repositories/posts.js';
import { appRouter } from './router.js';
import type { RequestContext } from './trpc.js';

/** What the server needs: its configuration and an open, migrated database. */
export interface ServerOptions {
  env: PostsEnv;
  db: DatabaseHandle;
  /** Where log lines go instead of stdout (tests read them); only with JSON logs, not pino-pretty. */
  logStream?: { write(line: string): void };
}

/**
 * Builds the posts service (not yet listening) with the kit's server: tRPC at `/trpc` behind the
 * service credential (audience `posts`), `GET /healthz` and `GET /readyz` (200 when the database
 * answers `select 1`, else 503), `GET /metrics`, request ids and the request log.
 * @param options the parsed environment and the database; the caller closes the database after `app.close()`
 * @returns the Fastify instance; call `listen` on it
 */
export async function buildServer({ env, db, logStream }: ServerOptions): Promise<FastifyInstance> {
  const posts = new PostsRepository(db.db);
  return buildServiceServer({
    env,
    router: appRouter,
    createContext: (base): RequestContext => ({ ...base, posts }),
    ready: db.ping,
    database: db,
    logStream,
  });
}
