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

/**
 * Fastify's `logger` option: pino at `level`, with {@link REDACT_PATHS} censored, and
 * pino-pretty only when `pretty` (development on a terminal); JSON lines otherwise.
 */
export function loggerOptions(level: string, pretty: boolean): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } }
      : {}),
  };
}
