import type { FastifyServerOptions } from 'fastify';
import type { UsersEnv } from './env.js';

/**
 * Paths pino replaces with `[redacted]`: credentials in headers, passwords, password hashes and tokens,
 * wherever they appear one or two levels deep in a log object.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'password',
  'passwordHash',
  'refreshToken',
  'token',
  '*.password',
  '*.passwordHash',
  '*.refreshToken',
  '*.token',
  '*.*.password',
  '*.*.passwordHash',
  '*.*.refreshToken',
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
