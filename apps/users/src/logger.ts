import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { UsersEnv } from './env.js';

/**
 * Paths pino replaces with `[redacted]`: credentials in headers, passwords, password hashes and tokens,
 * at the top level of a log object or one level down in the objects this service could log (a call's
 * input or body, a user row). Exact paths only: a path starting with `*` makes pino run every key of
 * every line through the redactor; the price is that a secret is redacted only where it is listed here.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  ...['', 'input.', 'body.', 'user.', 'row.'].flatMap((container) =>
    ['password', 'passwordHash', 'refreshToken', 'token'].map((field) => `${container}${field}`),
  ),
];

/** Whether `pino-pretty` (a dev dependency) can be loaded; it is absent from production installs. */
function prettyAvailable(): boolean {
  try {
    import.meta.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * Fastify logger options: pino at `LOG_LEVEL` with redaction; JSON lines in production and tests,
 * pino-pretty in development (the default when `NODE_ENV` is unset, as under `turbo dev`) when it
 * is installed. The gateway follows the same rule.
 * @param env the parsed environment
 */
export function loggerOptions(env: Pick<UsersEnv, 'LOG_LEVEL' | 'NODE_ENV'>): FastifyServerOptions['logger'] {
  const base = { level: env.LOG_LEVEL, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  if (env.NODE_ENV !== 'development' || !prettyAvailable()) return base;
  return {
    ...base,
    transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
  };
}

/**
 * One `request completed` line per request (pair with `disableRequestLogging: true`, which turns off
 * Fastify's two): `method`, `url`, `status` and `ms` (time to the response, in milliseconds), with
 * `reqId` from the request's logger, as on every line of that request. The gateway logs the same line.
 */
export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request completed',
    );
    done();
  });
}
