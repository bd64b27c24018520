import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { destination } from 'pino';

/**
 * Paths pino blanks in every log line: credentials and tokens in headers and bodies.
 * Fastify's request serializer logs only method, url and ids, and the request line logs no
 * headers; these guard any object that is logged explicitly (a body or input, a debug dump).
 * Exact paths only: a path starting with `*` makes pino run every key of every line (the
 * message included) through the redactor, ~4% of the gateway's CPU when it logged two lines per
 * request. The price is that a secret is redacted only where it is listed here.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'password',
  'access_token',
  'refresh_token',
  'refreshToken',
  ...['body', 'input'].flatMap((container) =>
    ['password', 'access_token', 'refresh_token', 'refreshToken'].map((field) => `${container}.${field}`),
  ),
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

/** Bytes of log lines gathered before one write to stdout, and the longest a line waits, in ms. */
const LOG_BUFFER = { bytes: 8 * 1024, flushMs: 100 } as const;

/** The one buffered stdout of this process, shared by every logger built here. */
let stdout: ReturnType<typeof destination> | undefined;

/**
 * Standard output through pino's asynchronous destination (sonic-boom) with a buffer: lines are
 * written {@link LOG_BUFFER}`.bytes` at a time, and at least every `flushMs` (and when the process
 * exits, by pino), instead of one `write(2)` per line (~8% of the gateway's CPU under load).
 * One per process: every logger built here shares it.
 */
function bufferedStdout(): ReturnType<typeof destination> {
  if (stdout) return stdout;
  const stream = destination({ dest: 1, sync: false, minLength: LOG_BUFFER.bytes });
  stdout = stream;
  // A flush `flushMs` after the first line of a batch: no timer while nothing is logged.
  let flushScheduled = false;
  const flush = () => {
    flushScheduled = false;
    // A write in flight takes the rest when it ends; a closed stream has nothing to flush.
    try {
      stream.flush();
    } catch {}
  };
  const write = stream.write.bind(stream);
  stream.write = (line: string) => {
    if (!flushScheduled) {
      flushScheduled = true;
      setTimeout(flush, LOG_BUFFER.flushMs).unref();
    }
    return write(line);
  };
  return stream;
}

/**
 * Fastify's `logger` option: pino at `level`, with {@link REDACT_PATHS} censored, and
 * pino-pretty only when `pretty` (see {@link wantsPrettyLogs}); JSON lines otherwise, to a
 * buffered stdout (see {@link bufferedStdout}).
 * @param level a pino level name, e.g. `info`
 * @param pretty format with pino-pretty (must be resolvable) instead of JSON lines
 */
export function loggerOptions(level: string, pretty: boolean): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : { stream: bufferedStdout() }),
  };
}

/**
 * One `request completed` line per request (Fastify's own two lines are off:
 * `LogController({ disableRequestLogging })`), at info: `method`, `url` as received (the REST adapter rewrites
 * `request.url` before the response), `status` and `ms` (time to the response, in
 * milliseconds); `reqId` comes with the request's logger, as on every line of that request.
 */
export function registerRequestLog(app: FastifyInstance): void {
  // originalUrl is read lazily from the raw request: read it before any handler rewrites it.
  app.addHook('onRequest', (request, _reply, done) => {
    void request.originalUrl;
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        url: request.originalUrl,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
        // Cached routes say how they were served (cache/request.ts): hit, miss or stale.
        ...(reply.hasHeader('x-cache') ? { cache: reply.getHeader('x-cache') } : {}),
      },
      'request completed',
    );
    done();
  });
}
