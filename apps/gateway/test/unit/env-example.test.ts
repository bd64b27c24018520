import { readFileSync } from 'node:fs';
import { parseEnv as parseDotenv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { EnvSchema, parseEnv } from '../../src/env.js';

const EXAMPLE = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');

/** Names the file documents: set (`NAME=…`) or shown commented out (`# NAME=…`). */
const documented = [...EXAMPLE.matchAll(/^(?:#\s*)?([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1] ?? '');
const schemaKeys = Object.keys(EnvSchema.shape);

describe('apps/gateway/.env.example against the env schema in src/env.ts', () => {
  it('documents every variable of the schema', () => {
    expect(schemaKeys.filter((key) => !documented.includes(key))).toEqual([]);
  });

  it('documents no variable the schema does not read', () => {
    expect(documented.filter((key) => !schemaKeys.includes(key))).toEqual([]);
  });

  it('parses with parseEnv as committed, to the SPEC defaults', () => {
    const { env } = parseEnv(parseDotenv(EXAMPLE));
    expect(env).toMatchObject({
      PORT: 8001,
      HOST: '0.0.0.0',
      USERS_SERVICE_URL: 'http://127.0.0.1:8002',
      POSTS_SERVICE_URL: 'http://127.0.0.1:8003',
      ACCESS_TOKEN_TTL: 900,
      REFRESH_TOKEN_TTL: 1_209_600,
      UPSTREAM_TIMEOUT_MS: 5000,
      CORS_ORIGINS: [],
      LOG_LEVEL: 'info',
      JWT_ALGORITHM: 'HS256',
    });
    expect(env.REDIS_URL).toBeUndefined();
  });
});
