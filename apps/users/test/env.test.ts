import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EnvError } from '@basis/service-kit/env';
import { describe, expect, it } from 'vitest';
import { parseEnv } from '../src/env.js';

/** Parses a dotenv file: `NAME=value` lines, `#` comments and blank lines. */
function readDotenv(path: URL): Record<string, string> {
  const entries = readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
  return Object.fromEntries(entries);
}

describe('parseEnv', () => {
  it('applies the defaults of SPEC.md and the development keys with a warning each', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      PORT: 8002,
      HOST: '0.0.0.0',
      PGLITE_DATA_DIR: '.data/users',
      LOG_LEVEL: 'info',
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.SERVICE_CREDENTIALS.identity).toBe('users');
    expect([...env.SERVICE_CREDENTIALS.callerKeys.keys()]).toEqual(['gateway', 'posts']);
    expect(env.warnings.map((warning) => warning.split(' ')[0])).toEqual([
      'SERVICE_PRIVATE_KEY',
      'GATEWAY_SERVICE_PUBLIC_KEY',
      'POSTS_SERVICE_PUBLIC_KEY',
    ]);
  });

  it('accepts .env.example as it is committed', () => {
    const env = parseEnv(readDotenv(new URL('../.env.example', import.meta.url)));
    expect(env.PORT).toBe(8002);
  });

  it('names each missing key variable in production, and takes a full set without warning', () => {
    const pair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const own = pair().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const publicPem = () => pair().publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => parseEnv({ NODE_ENV: 'production' })).toThrow(/SERVICE_PRIVATE_KEY/);
    expect(() => parseEnv({ NODE_ENV: 'production', SERVICE_PRIVATE_KEY: own })).toThrow(/GATEWAY_SERVICE_PUBLIC_KEY/);
    expect(() =>
      parseEnv({ NODE_ENV: 'production', SERVICE_PRIVATE_KEY: own, GATEWAY_SERVICE_PUBLIC_KEY: publicPem() }),
    ).toThrow(/POSTS_SERVICE_PUBLIC_KEY/);
    const env = parseEnv({
      NODE_ENV: 'production',
      SERVICE_PRIVATE_KEY: own,
      GATEWAY_SERVICE_PUBLIC_KEY: publicPem(),
      POSTS_SERVICE_PUBLIC_KEY: publicPem(),
    });
    expect(env.warnings).toEqual([]);
  });

  it.each([
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['REFRESH_REUSE_INTERVAL_SECONDS', { REFRESH_REUSE_INTERVAL_SECONDS: 'ten' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://localhost/db' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['BOOTSTRAP_ADMIN_PASSWORD', { BOOTSTRAP_ADMIN_EMAIL: 'admin@example.com' }],
    ['BOOTSTRAP_ADMIN_EMAIL', { BOOTSTRAP_ADMIN_PASSWORD: 'long enough password' }],
    ['BOOTSTRAP_ADMIN_EMAIL', { BOOTSTRAP_ADMIN_EMAIL: 'nope', BOOTSTRAP_ADMIN_PASSWORD: 'long enough password' }],
  ])('refuses a bad %s with one line naming it', (name, source) => {
    let caught: unknown;
    try {
      parseEnv(source);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvError);
    expect((caught as EnvError).message).toMatch(new RegExp(`^Invalid environment: ${name}: `));
    expect((caught as EnvError).message).not.toContain('\n');
  });

  it('normalises the bootstrap admin email and treats empty values as unset', () => {
    const env = parseEnv({
      BOOTSTRAP_ADMIN_EMAIL: ' Admin@Example.com ',
      BOOTSTRAP_ADMIN_PASSWORD: 'long enough password',
      DATABASE_URL: '',
    });
    expect(env.BOOTSTRAP_ADMIN_EMAIL).toBe('admin@example.com');
    expect(env.DATABASE_URL).toBeUndefined();
  });
});
