import { DEV_SERVICE_TOKEN_SECRET, EnvError } from '@basis/service-kit/env';
import { describe, expect, it } from 'vitest';
import { parseEnv } from '../src/env.js';

describe('parseEnv', () => {
  it('applies the defaults of SPEC.md and the development secret with a warning', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      PORT: 8003,
      HOST: '0.0.0.0',
      PGLITE_DATA_DIR: '.data/posts',
      USERS_SERVICE_URL: 'http://127.0.0.1:8002',
      LOG_LEVEL: 'info',
      SERVICE_TOKEN_SECRET: DEV_SERVICE_TOKEN_SECRET,
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.warnings).toEqual([
      'SERVICE_TOKEN_SECRET is not set: using the development secret (refused when NODE_ENV=production)',
    ]);
  });

  it('names SERVICE_TOKEN_SECRET when production has none or a short one', () => {
    expect(() => parseEnv({ NODE_ENV: 'production' })).toThrow(/SERVICE_TOKEN_SECRET/);
    expect(() => parseEnv({ NODE_ENV: 'production', SERVICE_TOKEN_SECRET: 'x'.repeat(31) })).toThrow(
      /SERVICE_TOKEN_SECRET/,
    );
    expect(parseEnv({ NODE_ENV: 'production', SERVICE_TOKEN_SECRET: 'x'.repeat(32) }).warnings).toEqual([]);
  });

  it.each([
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '-1' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://localhost/db' }],
    ['USERS_SERVICE_URL', { USERS_SERVICE_URL: 'users:8002' }],
    ['USERS_SERVICE_URL', { USERS_SERVICE_URL: 'ftp://users/' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
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

  it('treats empty values as unset', () => {
    const env = parseEnv({ DATABASE_URL: '', PORT: '', USERS_SERVICE_URL: '' });
    expect([env.DATABASE_URL, env.PORT, env.USERS_SERVICE_URL]).toEqual([undefined, 8003, 'http://127.0.0.1:8002']);
  });
});
