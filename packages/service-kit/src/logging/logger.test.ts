import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { loggerOptions, REDACT_PATHS, registerRequestLog } from './logger.js';

/** A Fastify instance logging JSON lines at trace, with this service's logger options, into `lines`. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const options = loggerOptions({ LOG_LEVEL: 'trace', NODE_ENV: 'test' }) as object;
  const app = Fastify({ logger: { ...options, stream }, disableRequestLogging: true });
  return { app, lines };
}

describe('the logger', () => {
  it('redacts passwords, hashes and tokens at every listed path, exact paths only', () => {
    expect(REDACT_PATHS.filter((path) => path.includes('*'))).toEqual([]);
    const { app, lines } = capture();
    app.log.info(
      {
        password: 'pw-top',
        token: 'tok-top',
        input: { email: 'a@b.test', password: 'pw-input', refreshToken: 'rt-input' },
        body: { token: 'tok-body' },
        user: { id: 1, passwordHash: '$argon2id$hash-user' },
        row: { passwordHash: '$argon2id$hash-row' },
        headers: { authorization: 'Bearer h-auth' },
        req: { headers: { authorization: 'Bearer r-auth', cookie: 'r-cookie' } },
      },
      'dump',
    );
    const text = JSON.stringify(lines);
    for (const secret of ['pw-top', 'tok-top', 'pw-input', 'rt-input', 'tok-body', 'hash-user', 'hash-row', 'h-auth']) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain('r-auth');
    expect(text).not.toContain('r-cookie');
    expect(lines[0]).toMatchObject({ input: { email: 'a@b.test', password: '[redacted]' }, user: { id: 1 } });
  });

  it('writes one line per request with method, url, status, ms and the request id', async () => {
    const { app, lines } = capture();
    registerRequestLog(app);
    app.get('/probe', async () => ({ ok: true }));
    const response = await app.inject({ method: 'GET', url: '/probe?x=1' });
    expect(response.statusCode).toBe(200);
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'request completed',
        method: 'GET',
        url: '/probe?x=1',
        status: 200,
        ms: expect.any(Number),
        reqId: expect.any(String),
      }),
    ]);
  });
});
