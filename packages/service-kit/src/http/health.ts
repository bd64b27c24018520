import type { FastifyInstance } from 'fastify';
import { rootCause } from '../errors.js';

/** How long `/readyz` waits for its probe, in milliseconds. */
export const READINESS_TIMEOUT_MS = 2000;

/** Seconds a load balancer is told to wait (`Retry-After`) while a service drains. */
export const DRAINING_RETRY_AFTER_SECONDS = 5;

/** The instances that are draining (shutting down). */
const draining = new WeakSet<FastifyInstance>();

/**
 * Marks a service as draining: from now on `/readyz` answers 503 with `Retry-After` (without probing),
 * so a load balancer stops sending new requests while the server still serves the ones it gets, and
 * every response carries `Connection: close`, so keep-alive clients (the gateway's pool) let go of
 * their connections before the server closes. Also set when the instance starts closing.
 * @param app the instance {@link registerHealthRoutes} was registered on
 */
export function setDraining(app: FastifyInstance): void {
  draining.add(app);
}

/** Whether {@link setDraining} was called on this instance. */
export function isDraining(app: FastifyInstance): boolean {
  return draining.has(app);
}

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
 * with the cause in the log; 503 with `Retry-After` at once while draining, see {@link setDraining}).
 * Neither needs a credential.
 * @param app the service's Fastify instance
 * @param ready the readiness probe, usually the database's `ping`
 */
export function registerHealthRoutes(app: FastifyInstance, ready: () => Promise<void>): void {
  app.addHook('preClose', async () => {
    setDraining(app);
  });
  app.addHook('onSend', async (_request, reply) => {
    if (draining.has(app)) reply.header('connection', 'close');
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (req, reply) => {
    if (draining.has(app)) {
      return reply
        .code(503)
        .header('retry-after', String(DRAINING_RETRY_AFTER_SECONDS))
        .send({ status: 'unavailable' });
    }
    try {
      await withTimeout(ready(), READINESS_TIMEOUT_MS);
      return { status: 'ok' };
    } catch (error) {
      req.log.warn({ err: rootCause(error) }, 'database is not ready');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}
