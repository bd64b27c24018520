import { randomUUID } from 'node:crypto';
import { REQUEST_ID_HEADER } from '@basis/contracts';
import {
  type CreateFastifyContextOptions,
  type FastifyTRPCPluginOptions,
  fastifyTRPCPlugin,
} from '@trpc/server/adapters/fastify';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { actorOf, requireServiceToken } from './auth/service-token-hook.js';
import type { DatabaseHandle } from './db/client.js';
import type { UsersEnv } from './env.js';
import { rootCause } from './errors.js';
import { loggerOptions, registerRequestLog } from './logger.js';
import { SessionsRepository } from './repositories/sessions.js';
import { UsersRepository } from './repositories/users.js';
import { appRouter, type UsersRouter } from './router.js';
import type { RequestContext } from './trpc.js';

/** A request id we accept from the caller; anything else is replaced by a fresh UUID. */
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Where tRPC is served. */
const TRPC_PREFIX = '/trpc';

/** How long `/readyz` waits for `select 1`, in milliseconds. */
const READINESS_TIMEOUT_MS = 2000;

/** What the server needs: its configuration and an open, migrated database. */
export interface ServerOptions {
  env: UsersEnv;
  db: DatabaseHandle;
  /** Where log lines go instead of stdout (tests read them); only with JSON logs, not pino-pretty. */
  logStream?: { write(line: string): void };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Builds the users service (not yet listening): tRPC at `/trpc` behind the service credential,
 * `GET /healthz` (200 while the process lives) and `GET /readyz` (200 when the database answers
 * `select 1`, else 503), both without a token. Requests carry `x-request-id` (a valid incoming one is
 * kept, else a UUID), which is logged and echoed.
 * @param options the parsed environment and the database; the caller closes the database after `app.close()`
 * @returns the Fastify instance; call `listen` on it
 */
export async function buildServer({ env, db, logStream }: ServerOptions): Promise<FastifyInstance> {
  const logger = loggerOptions(env);
  const app = Fastify({
    logger: logStream && typeof logger === 'object' ? { ...logger, stream: logStream } : logger,
    requestIdHeader: false,
    // One line per request instead of two, from registerRequestLog.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: (req) => {
      const incoming = req.headers[REQUEST_ID_HEADER];
      return typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header(REQUEST_ID_HEADER, req.id);
  });
  registerRequestLog(app);

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (req, reply) => {
    try {
      await withTimeout(db.ping(), READINESS_TIMEOUT_MS);
      return { status: 'ok' };
    } catch (error) {
      req.log.warn({ err: rootCause(error) }, 'database is not ready');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });

  const users = new UsersRepository(db.db);
  const sessions = new SessionsRepository(db.db);

  /** Builds each call's context; the service credential was checked by `requireServiceToken`. */
  const createContext = async ({ req }: CreateFastifyContextOptions): Promise<RequestContext> => ({
    claimedActor: actorOf(req),
    requestId: req.id,
    log: req.log,
    users,
    sessions,
  });

  await app.register(async (trpc) => {
    trpc.addHook('onRequest', requireServiceToken(env.SERVICE_TOKEN_SECRET, TRPC_PREFIX));
    await trpc.register(fastifyTRPCPlugin, {
      prefix: TRPC_PREFIX,
      trpcOptions: {
        router: appRouter,
        createContext,
        onError({ error, path, req }) {
          if (error.code === 'INTERNAL_SERVER_ERROR' || error.code === 'SERVICE_UNAVAILABLE') {
            req.log.error({ err: rootCause(error), path, code: error.code }, 'procedure failed');
          } else {
            req.log.info({ path, code: error.code }, 'procedure refused');
          }
        },
      } satisfies FastifyTRPCPluginOptions<UsersRouter>['trpcOptions'],
    });
  });

  return app;
}
