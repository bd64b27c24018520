import type { FastifyInstance } from 'fastify';
import { request as httpRequest } from 'undici';
import { UNAVAILABLE_RETRY_AFTER_SECONDS } from '../upstream/errors.js';

/** What `/readyz` needs: the users service's base URL and how long to wait for it. */
export interface ReadinessOptions {
  usersServiceUrl: string;
  /** Milliseconds to wait for the users service's `/readyz` (`UPSTREAM_TIMEOUT_MS`). */
  timeoutMs: number;
}

/**
 * `GET /healthz`: 200 while the process lives (no dependency is checked, so the gateway is
 * healthy whatever state the users service is in). `GET /readyz`: 200 when the users
 * service's own `/readyz` answers 200 within the timeout, else 503 SERVICE_UNAVAILABLE with
 * `Retry-After` (seconds), as for any call the users service cannot serve.
 * @see RFC 9110 §10.2.3 (Retry-After on 503)
 */
export function registerHealth(app: FastifyInstance, options: ReadinessOptions): void {
  const readyUrl = `${options.usersServiceUrl.replace(/\/$/, '')}/readyz`;
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    try {
      // undici's request, as for upstream calls: global fetch would load Node's own copy of undici (~2 MB of heap).
      const response = await httpRequest(readyUrl, { signal: AbortSignal.timeout(options.timeoutMs) });
      await response.body.dump();
      if (response.statusCode >= 200 && response.statusCode < 300) return { status: 'ok', upstreams: { users: 'ok' } };
      request.log.warn({ status: response.statusCode }, 'users service is not ready');
    } catch (error) {
      request.log.warn({ err: error }, 'users service is unreachable');
    }
    return reply
      .status(503)
      .header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS))
      .send({ code: 'SERVICE_UNAVAILABLE', message: 'The users service is not ready' });
  });
}
