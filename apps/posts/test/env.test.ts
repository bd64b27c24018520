import { generateKeyPairSync } from 'node:crypto';
import { EnvError } from '@basis/service-kit/env';
import { describe, expect, it } from 'vitest';
import { parseEnv } from '../src/env.js';

describe('parseEnv', () => {
  it('applies the defaults of SPEC.md and the development keys with a warning each', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      PORT: 8003,
      HOST: '0.0.0.0',
      PGLITE_DATA_DIR: '.data/posts',
      USERS_SERVICE_URL: 'http://127.0.0.1:8002',
      LOG_LEVEL: 'info',
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.SERVICE_CREDENTIALS.identity).toBe('posts');
    expect([...env.SERVICE_CREDENTIALS.callerKeys.keys()]).toEqual(['gateway']);
    expect(env.warnings).toEqual([
      'SERVICE_PRIVATE_KEY is not set: using the fixed development key (refused when NODE_ENV=production)',
      'GATEWAY_SERVICE_PUBLIC_KEY is not set: using the fixed development key (refused when NODE_ENV=production)',
    ]);
  });

  it('names each missing key variable in production, and takes a full set without warning', () => {
    const pair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const own = pair().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const gateway = pair().publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => parseEnv({ NODE_ENV: 'production' })).toThrow(/SERVICE_PRIVATE_KEY/);
    expect(() => parseEnv({ NODE_ENV: 'production', SERVICE_PRIVATE_KEY: own })).toThrow(/GATEWAY_SERVICE_PUBLIC_KEY/);
    const env = parseEnv({ NODE_ENV: 'production', SERVICE_PRIVATE_KEY: own, GATEWAY_SERVICE_PUBLIC_KEY: gateway });
    expect(env.warnings).toEqual([]);
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
