import type { FastifyInstance } from 'fastify';
import { parseEnv } from '../../src/env.js';
import { buildGateway, type GatewayOptions } from '../../src/server.js';

/** A gateway listening on a free port. */
export interface RunningGateway extends AsyncDisposable {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * Builds and starts the gateway on 127.0.0.1, port 0, with a silent logger.
 * @param env variables on top of the defaults (`USERS_SERVICE_URL` at least)
 * @param options other {@link GatewayOptions} (rate limits, breaker, extra routers)
 */
export async function startGateway(
  env: Record<string, string>,
  options: Omit<GatewayOptions, 'env'> = {},
): Promise<RunningGateway> {
  // Tests register and log in often from one IP: high per-IP limits, unless a test sets its own.
  const { env: parsed } = parseEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_LOGIN_PER_IP: '10000',
    RATE_LIMIT_REGISTER_PER_IP: '10000',
    ...env,
  });
  const app = await buildGateway({ logger: false, ...options, env: parsed });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const close = () => app.close();
  return { url, app, close, [Symbol.asyncDispose]: close };
}
