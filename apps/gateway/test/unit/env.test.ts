import { generateKeyPairSync } from 'node:crypto';
import { developmentPrivateKey } from '@basis/service-kit/credentials';
import { describe, expect, it } from 'vitest';
import { DEV_SECRETS, EnvError, parseEnv } from '../../src/env.js';

const SERVICE_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const STRONG = 'x'.repeat(32);

describe('parseEnv', () => {
  it('applies the SPEC defaults and the development secrets with a warning', () => {
    const { env, warnings } = parseEnv({});
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
      NODE_ENV: 'development',
      JWT_SECRET: DEV_SECRETS.JWT_SECRET,
    });
    expect(env.SERVICE_CREDENTIALS.identity).toBe('gateway');
    expect(env.SERVICE_CREDENTIALS.privateKey.equals(developmentPrivateKey('gateway'))).toBe(true);
    expect(env.REDIS_URL).toBeUndefined();
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(/^SERVICE_PRIVATE_KEY is not set: using the fixed development key/);
  });

  it('treats empty strings as unset and splits CORS_ORIGINS', () => {
    const { env } = parseEnv({ PORT: '', REDIS_URL: '', CORS_ORIGINS: 'http://a.test, http://b.test ,' });
    expect(env.PORT).toBe(8001);
    expect(env.REDIS_URL).toBeUndefined();
    expect(env.CORS_ORIGINS).toEqual(['http://a.test', 'http://b.test']);
  });

  it('stops with a message naming each bad variable', () => {
    expect(() => parseEnv({ PORT: 'eighty', UPSTREAM_TIMEOUT_MS: '-1' })).toThrow(EnvError);
    expect(() => parseEnv({ PORT: 'eighty', UPSTREAM_TIMEOUT_MS: '-1' })).toThrow(/PORT[\s\S]*UPSTREAM_TIMEOUT_MS/);
    expect(() => parseEnv({ USERS_SERVICE_URL: 'ftp://x' })).toThrow(/USERS_SERVICE_URL/);
    expect(() => parseEnv({ POSTS_SERVICE_URL: 'not a url' })).toThrow(/POSTS_SERVICE_URL/);
    expect(() => parseEnv({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });

  it('refuses a CORS_ORIGINS entry that is no origin (CORS_ORIGINS=* used to start with CORS matching nothing)', () => {
    for (const entry of ['*', 'app.example', 'http://app.example/api', 'ftp://app.example']) {
      expect(() => parseEnv({ CORS_ORIGINS: `http://ok.example,${entry}` })).toThrow(
        `CORS_ORIGINS: ${JSON.stringify(entry)} is not an origin`,
      );
    }
    const { env } = parseEnv({ CORS_ORIGINS: 'HTTP://LocalHost:3000/, https://app.example:443' });
    expect(env.CORS_ORIGINS).toEqual(['http://localhost:3000', 'https://app.example']);
  });

  it('quotes a value that is not a number (ACCESS_TOKEN_TTL=15m used to say "received NaN")', () => {
    expect(() => parseEnv({ ACCESS_TOKEN_TTL: '15m', RATE_LIMIT_LOGIN_PER_IP: '1.5' })).toThrow(
      'Invalid gateway environment:\n  ACCESS_TOKEN_TTL: expected a whole number, got "15m"\n  RATE_LIMIT_LOGIN_PER_IP: expected a whole number, got "1.5"',
    );
    expect(() => parseEnv({ UPSTREAM_TIMEOUT_MS: '0' })).toThrow('UPSTREAM_TIMEOUT_MS: must be at least 1');
    expect(parseEnv({ ACCESS_TOKEN_TTL: ' 60 ' }).env.ACCESS_TOKEN_TTL).toBe(60);
  });

  it('refuses missing, short or development secrets in production, naming them', () => {
    expect(() => parseEnv({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET[\s\S]*SERVICE_PRIVATE_KEY/);
    expect(() => parseEnv({ NODE_ENV: 'production', JWT_SECRET: 'short', SERVICE_PRIVATE_KEY: SERVICE_KEY })).toThrow(
      /JWT_SECRET: must be at least 32 bytes/,
    );
    const development = developmentPrivateKey('gateway').export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => parseEnv({ NODE_ENV: 'production', JWT_SECRET: STRONG, SERVICE_PRIVATE_KEY: development })).toThrow(
      /SERVICE_PRIVATE_KEY: the development key cannot be used in production/,
    );
  });

  it('accepts strong secrets in production without warnings', () => {
    const { env, warnings } = parseEnv({
      NODE_ENV: 'production',
      JWT_SECRET: STRONG,
      SERVICE_PRIVATE_KEY: SERVICE_KEY,
    });
    expect(env.JWT_SECRET).toBe(STRONG);
    expect(warnings).toEqual([]);
  });
});

describe('OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_SERVICE_NAME', () => {
  it('leave tracing off when unset or empty, and read an http(s) endpoint and a name', () => {
    expect(parseEnv({}).env.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(parseEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }).env.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    const { env } = parseEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318', OTEL_SERVICE_NAME: 'edge-eu' });
    expect(env).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318', OTEL_SERVICE_NAME: 'edge-eu' });
  });

  it('refuses an endpoint that is not an http(s) URL, naming the variable', () => {
    expect(() => parseEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://jaeger:4317' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT: /,
    );
  });
});

describe('RATE_LIMIT_LOGIN_PER_IP, RATE_LIMIT_REGISTER_PER_IP and TRUST_PROXY', () => {
  it('default to 20 and 10 a minute, and to trusting no proxy', () => {
    const { env } = parseEnv({});
    expect(env).toMatchObject({ RATE_LIMIT_LOGIN_PER_IP: 20, RATE_LIMIT_REGISTER_PER_IP: 10, TRUST_PROXY: false });
  });

  it('reads TRUST_PROXY as true, a hop count, or a list of addresses and CIDR ranges', () => {
    expect(parseEnv({ TRUST_PROXY: 'true' }).env.TRUST_PROXY).toBe(true);
    expect(parseEnv({ TRUST_PROXY: '2' }).env.TRUST_PROXY).toBe(2);
    expect(parseEnv({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1' }).env.TRUST_PROXY).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      '::1',
    ]);
  });

  it('refuses a TRUST_PROXY that is none of those, and a zero limit, naming the variable', () => {
    expect(() => parseEnv({ TRUST_PROXY: 'yes please' })).toThrow(/TRUST_PROXY/);
    expect(() => parseEnv({ RATE_LIMIT_LOGIN_PER_IP: '0' })).toThrow(/RATE_LIMIT_LOGIN_PER_IP/);
  });
});
