import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DEV_SERVICE_TOKEN_SECRET,
  databaseEnv,
  EnvError,
  parseEnvWith,
  requireProductionSecrets,
  serverEnv,
  serviceTokenEnv,
  withDevelopmentSecrets,
} from './env.js';

/** A service schema composed from the fragments, as each app's src/env.ts does. */
const ExampleEnv = z
  .object({ ...serverEnv({ port: 8009 }), ...databaseEnv({ pgliteDataDir: '.data/example' }), ...serviceTokenEnv() })
  .superRefine(requireProductionSecrets(['SERVICE_TOKEN_SECRET']))
  .transform(withDevelopmentSecrets({ SERVICE_TOKEN_SECRET: DEV_SERVICE_TOKEN_SECRET }));

const parse = (source: Record<string, string | undefined>) => parseEnvWith(ExampleEnv, source);

describe('the env fragments', () => {
  it('default every variable, the secret to the development one with a warning', () => {
    expect(parse({})).toEqual({
      NODE_ENV: 'development',
      PORT: 8009,
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      SHUTDOWN_DRAIN_MS: 500,
      DATABASE_URL: undefined,
      PGLITE_DATA_DIR: '.data/example',
      SERVICE_TOKEN_SECRET: DEV_SERVICE_TOKEN_SECRET,
      warnings: ['SERVICE_TOKEN_SECRET is not set: using the development secret (refused when NODE_ENV=production)'],
    });
  });

  it('read an empty value as unset, and coerce PORT', () => {
    expect(parse({ PORT: '', HOST: '', DATABASE_URL: '', SERVICE_TOKEN_SECRET: '' })).toMatchObject({
      PORT: 8009,
      HOST: '0.0.0.0',
      DATABASE_URL: undefined,
      SERVICE_TOKEN_SECRET: DEV_SERVICE_TOKEN_SECRET,
    });
    expect(parse({ PORT: '0', DATABASE_URL: 'postgresql://u@h/db' })).toMatchObject({
      PORT: 0,
      DATABASE_URL: 'postgresql://u@h/db',
    });
  });

  it('refuse a missing or short secret in production, and keep a long one without warning', () => {
    expect(() => parse({ NODE_ENV: 'production' })).toThrow(
      'Invalid environment: SERVICE_TOKEN_SECRET: must be set to at least 32 bytes in production',
    );
    expect(() => parse({ NODE_ENV: 'production', SERVICE_TOKEN_SECRET: 'é'.repeat(15) })).toThrow(EnvError);
    const env = parse({ NODE_ENV: 'production', SERVICE_TOKEN_SECRET: 'é'.repeat(16) });
    expect([env.SERVICE_TOKEN_SECRET, env.warnings]).toEqual(['é'.repeat(16), []]);
  });

  it.each([
    ['PORT', { PORT: '65536' }],
    ['HOST', { HOST: ' ' }],
    ['DATABASE_URL', { DATABASE_URL: 'http://localhost/db' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
    ['NODE_ENV', { NODE_ENV: 'prod' }],
  ])('name %s in a one-line EnvError when it is bad', (name, source) => {
    expect(() => parse(source)).toThrow(new RegExp(`^Invalid environment: ${name}: [^\\n]+$`));
  });
});
