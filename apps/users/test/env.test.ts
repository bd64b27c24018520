import { readFileSync } from 'node:fs';
import { DEV_SERVICE_TOKEN_SECRET, EnvError } from '@basis/service-kit/env';
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
  it('applies the defaults of SPEC.md and the development secret with a warning', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      PORT: 8002,
      HOST: '0.0.0.0',
      PGLITE_DATA_DIR: '.data/users',
      LOG_LEVEL: 'info',
      SERVICE_TOKEN_SECRET: DEV_SERVICE_TOKEN_SECRET,
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.warnings).toHaveLength(1);
  });

  it('accepts .env.example as it is committed', () => {
    const env = parseEnv(readDotenv(new URL('../.env.example', import.meta.url)));
    expect(env.PORT).toBe(8002);
  });

  it('names SERVICE_TOKEN_SECRET when production has none or a short one', () => {
    expect(() => parseEnv({ NODE_ENV: 'production' })).toThrow(/SERVICE_TOKEN_SECRET/);
    expect(() => parseEnv({ NODE_ENV: 'production', SERVICE_TOKEN_SECRET: 'x'.repeat(31) })).toThrow(
      /SERVICE_TOKEN_SECRET/,
    );
    const env = parseEnv({ NODE_ENV: 'production', SERVICE_TOKEN_SECRET: 'x'.repeat(32) });
    expect(env.warnings).toEqual([]);
  });

  it.each([
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
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
