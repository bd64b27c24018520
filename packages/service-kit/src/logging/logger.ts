import type { FastifyInstance, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { LogLevel } from '../env.js';
import { serializeError, serializeMaybeError } from './serializers.js';

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
  // Second line of defense behind serializeError: what a driver error quotes of a failed query (the
  // SQL, its bound values such as a password hash, a unique violation's detail naming the email), on
  // an error logged bare, under `err`/`error`/`cause`, or one or two causes down. Exact paths, as above,
  // rather than `*.params`: a leading wildcard would cost every line of every request.
  ...['', 'err.', 'error.', 'cause.', 'err.cause.', 'error.cause.', 'err.cause.cause.'].flatMap((container) =>
    ['query', 'params', 'parameters', 'detail'].map((field) => `${container}${field}`),
  ),
];

/**
 * pino serializers: {@link serializeError} for errors logged under `err` (pino's and Fastify's key) or
 * `error`, so a driver error's query, bound values and detail never reach a log line.
 */
export const LOG_SERIALIZERS = { err: serializeError, error: serializeMaybeError };

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
 * Fastify logger options: pino at `LOG_LEVEL` with redaction and the safe error serializer; JSON lines in production and tests,
 * pino-pretty in development (the default when `NODE_ENV` is unset, as under `turbo dev`) when it
 * is installed. The gateway follows the same rule.
 * @param env the parsed `LOG_LEVEL` and `NODE_ENV`
 */
export function loggerOptions(env: {
  LOG_LEVEL: LogLevel;
  NODE_ENV: 'development' | 'production' | 'test';
}): FastifyServerOptions['logger'] {
  const base = {
    level: env.LOG_LEVEL,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: LOG_SERIALIZERS,
  };
  if (env.NODE_ENV !== 'development' || !prettyAvailable()) return base;
  return {
    ...base,
    transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
  };
}

/**
 * One `request completed` line per request (pair with `LogController({ disableRequestLogging: true })`, which turns off
 * Fastify's two): `method`, `url`, `status` and `ms` (time to the response, in milliseconds), with
 * `reqId` from the request's logger, as on every line of that request. The gateway logs the same line.
 * @param app the server
 * @param isQuiet requests whose line goes at `debug` instead of `info` (those a peer sends on a timer, such
 *   as a poll, which would otherwise fill the log); none by default
 */
export function registerRequestLog(
  app: FastifyInstance,
  isQuiet: (request: FastifyRequest) => boolean = () => false,
): void {
  app.addHook('onResponse', (request, reply, done) => {
    request.log[isQuiet(request) ? 'debug' : 'info'](
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
