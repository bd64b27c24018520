import type { FastifyInstance } from 'fastify';
import { rootCause } from '../errors.js';

/** How long `/readyz` waits for its probe, in milliseconds. */
export const READINESS_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Registers `GET /healthz` (200 `{status:"ok"}` while the process lives) and `GET /readyz` (200 when
 * `ready()` resolves within {@link READINESS_TIMEOUT_MS}, else 503 `{status:"unavailable"}` and a warning
 * with the cause in the log). Neither needs a credential.
 * @param app the service's Fastify instance
 * @param ready the readiness probe, usually the database's `ping`
 */
export function registerHealthRoutes(app: FastifyInstance, ready: () => Promise<void>): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (req, reply) => {
    try {
      await withTimeout(ready(), READINESS_TIMEOUT_MS);
      return { status: 'ok' };
    } catch (error) {
      req.log.warn({ err: rootCause(error) }, 'database is not ready');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}
