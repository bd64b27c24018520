import type { FastifyServerOptions } from 'fastify';

/**
 * Paths pino blanks in every log line: credentials and tokens in headers and bodies.
 * Fastify's request serializer logs only method, url and ids; these guard any object that
 * is logged explicitly (an error's input, a debug dump).
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.access_token',
  '*.refresh_token',
  '*.refreshToken',
  '*.*.password',
  '*.*.refresh_token',
  '*.*.refreshToken',
];

/** Whether `pino-pretty` (a dev dependency) can be loaded; production installs leave it out. */
export function prettyAvailable(): boolean {
  try {
    import.meta.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether to print human-readable logs: in development (the default when `NODE_ENV` is unset,
 * as under `turbo dev`, which gives no TTY) when pino-pretty is installed. Production and tests
 * get JSON lines, which log shippers and test assertions parse.
 * @param nodeEnv the parsed `NODE_ENV`
 */
export function wantsPrettyLogs(nodeEnv: 'development' | 'test' | 'production'): boolean {
  return nodeEnv === 'development' && prettyAvailable();
}

/**
 * Fastify's `logger` option: pino at `level`, with {@link REDACT_PATHS} censored, and
 * pino-pretty only when `pretty` (see {@link wantsPrettyLogs}); JSON lines otherwise.
 * @param level a pino level name, e.g. `info`
 * @param pretty format with pino-pretty (must be resolvable) instead of JSON lines
 */
export function loggerOptions(level: string, pretty: boolean): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  };
}
