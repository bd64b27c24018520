import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { loggerOptions, REDACT_PATHS } from '../../src/http/logging.js';

/** A Fastify logger built from the gateway's options, writing JSON lines into `lines`. */
function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const app = Fastify({ logger: { ...(loggerOptions('trace', false) as object), stream } });
  return { log: app.log, lines };
}

describe('log redaction', () => {
  it('blanks credentials at every listed path, exact paths only', () => {
    expect(REDACT_PATHS.filter((path) => path.includes('*'))).toEqual([]);
    const { log, lines } = captureLogger();
    const secrets = {
      password: 'pw-top',
      access_token: 'at-top',
      refresh_token: 'rt-top',
      refreshToken: 'rt2-top',
      body: { email: 'a@b.test', password: 'pw-body', refresh_token: 'rt-body', access_token: 'at-body' },
      input: { password: 'pw-input', refreshToken: 'rt-input', refresh_token: 'rt2-input' },
      headers: { authorization: 'Bearer h-auth', cookie: 'h-cookie', accept: 'application/json' },
      req: { headers: { authorization: 'Bearer r-auth', cookie: 'r-cookie' } },
      res: { headers: { 'set-cookie': 's-cookie' } },
    };
    log.info(secrets, 'dump');
    const text = JSON.stringify(lines);
    for (const value of [
      'pw-top',
      'at-top',
      'rt-top',
      'rt2-top',
      'pw-body',
      'rt-body',
      'at-body',
      'pw-input',
      'rt-input',
      'rt2-input',
      'h-auth',
      'h-cookie',
      'r-auth',
      'r-cookie',
      's-cookie',
    ]) {
      expect(text).not.toContain(value);
    }
    expect(lines[0]).toMatchObject({
      password: '[redacted]',
      body: { email: 'a@b.test', password: '[redacted]' },
      headers: { accept: 'application/json', authorization: '[redacted]' },
    });
  });
});
