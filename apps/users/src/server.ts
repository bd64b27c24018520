import { buildServiceServer, metricsRegistryOf } from '@basis/service-kit';
import type { FastifyInstance } from 'fastify';
import { createActorCache } from './auth/actor-cache.js';
import type { DatabaseHandle } from './db/client.js';
import type { UsersEnv } from './env.js';
import { registerOutboxMetrics } from './metrics.js';
import { SessionsRepository } from './repositories/sessions.js';
import { UserEventsRepository } from './repositories/user-events.js';
import { UsersRepository } from './repositories/users.js';
import { appRouter } from './router.js';
import type { RequestContext } from './trpc.js';

/** What the server needs: its configuration and an open, migrated database. */
export interface ServerOptions {
  env: UsersEnv;
  db: DatabaseHandle;
  /** Where log lines go instead of stdout (tests read them); only with JSON logs, not pino-pretty. */
  logStream?: { write(line: string): void };
  /** How long a live session's actor is reused, in milliseconds; `ACTOR_CACHE_TTL_MS` (1 s) by default. */
  actorCacheTtlMs?: number;
}

/**
 * Builds the users service (not yet listening) with the kit's server: tRPC at `/trpc` behind the
 * service credential (audience `users`), `GET /healthz` and `GET /readyz` (200 when the database
 * answers `select 1`, else 503), `GET /metrics`, request ids and the request log (`events.feed` polls at `debug`).
 * @param options the parsed environment and the database; the caller closes the database after `app.close()`
 * @returns the Fastify instance; call `listen` on it
 */
export async function buildServer({ env, db, logStream, actorCacheTtlMs }: ServerOptions): Promise<FastifyInstance> {
  const actors = createActorCache(actorCacheTtlMs === undefined ? {} : { ttlMs: actorCacheTtlMs });
  const users = new UsersRepository(db.db, actors);
  const sessions = new SessionsRepository(db.db, env.REFRESH_REUSE_INTERVAL_SECONDS * 1000, actors);
  const events = new UserEventsRepository(db.db);
  const app = await buildServiceServer({
    env,
    router: appRouter,
    createContext: (base): RequestContext => ({ ...base, users, sessions, events }),
    ready: db.ping,
    database: db,
    logStream,
    // posts polls the feed every second or so: one `debug` line per poll, an `info` line only when it delivers.
    polledProcedures: ['events.feed'],
  });
  registerOutboxMetrics(metricsRegistryOf(app), events);
  return app;
}
