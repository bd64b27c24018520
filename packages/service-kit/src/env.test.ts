import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { developmentPrivateKey, developmentPublicKey } from './credentials/keys.js';
import {
  DEFAULT_SHUTDOWN_DRAIN_MS,
  databaseEnv,
  numberVariable,
  parseEnvWith,
  serverEnv,
  serviceCredentialEnv,
  shutdownDrainMs,
  withServiceCredentials,
} from './env.js';

/** A service schema composed from the fragments, as each app's src/env.ts does. */
const ExampleEnv = z
  .object({
    ...serverEnv({ port: 8009 }),
    ...databaseEnv({ pgliteDataDir: '.data/example' }),
    ...serviceCredentialEnv(['gateway']),
  })
  .transform(withServiceCredentials('example', ['gateway']));

const pem = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
};
const devPem = (identity: string, kind: 'private' | 'public') =>
  (kind === 'private'
    ? developmentPrivateKey(identity).export({ type: 'pkcs8', format: 'pem' })
    : developmentPublicKey(identity).export({ type: 'spki', format: 'pem' })
  ).toString();

const parse = (source: Record<string, string | undefined>) => parseEnvWith(ExampleEnv, source);

describe('the env fragments', () => {
  it('default every variable, the keys to the development ones with a warning for each', () => {
    const env = parse({});
    expect(env).toMatchObject({
      NODE_ENV: 'development',
      PORT: 8009,
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      PGLITE_DATA_DIR: '.data/example',
      warnings: [
        'SERVICE_PRIVATE_KEY is not set: using the fixed development key (refused when NODE_ENV=production)',
        'GATEWAY_SERVICE_PUBLIC_KEY is not set: using the fixed development key (refused when NODE_ENV=production)',
      ],
    });
    expect(env.SERVICE_CREDENTIALS.identity).toBe('example');
    expect(env.SERVICE_CREDENTIALS.privateKey.equals(developmentPrivateKey('example'))).toBe(true);
    expect(env.SERVICE_CREDENTIALS.callerKeys.get('gateway')?.equals(developmentPublicKey('gateway'))).toBe(true);
    expect(Object.keys(env)).not.toContain('SERVICE_PRIVATE_KEY');
  });

  it('read an empty value as unset, and coerce PORT', () => {
    expect(parse({ PORT: '', HOST: '', DATABASE_URL: '', SERVICE_PRIVATE_KEY: '' })).toMatchObject({
      PORT: 8009,
      HOST: '0.0.0.0',
      DATABASE_URL: undefined,
    });
    expect(parse({ PORT: '0', DATABASE_URL: 'postgresql://u@h/db' })).toMatchObject({
      PORT: 0,
      DATABASE_URL: 'postgresql://u@h/db',
    });
  });

  it('read the tracing pair: off when unset or empty, an http(s) endpoint, else an error naming it', () => {
    expect(parse({}).OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(parse({ OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_SERVICE_NAME: '' })).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
      OTEL_SERVICE_NAME: undefined,
    });
    expect(parse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318', OTEL_SERVICE_NAME: 'example-eu' })).toMatchObject(
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318', OTEL_SERVICE_NAME: 'example-eu' },
    );
    expect(() => parse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'jaeger:4318' })).toThrow(
      /^Invalid environment: OTEL_EXPORTER_OTLP_ENDPOINT: must be an http:\/\/ or https:\/\/ URL/,
    );
  });

  it('refuse a missing key in production, naming its variable', () => {
    expect(() => parse({ NODE_ENV: 'production' })).toThrow(
      'Invalid environment: SERVICE_PRIVATE_KEY: required when NODE_ENV=production',
    );
    expect(() => parse({ NODE_ENV: 'production', SERVICE_PRIVATE_KEY: pem().privateKey })).toThrow(
      'Invalid environment: GATEWAY_SERVICE_PUBLIC_KEY: required when NODE_ENV=production',
    );
  });

  it("refuse a development key in production, own or a caller's", () => {
    const own = pem().privateKey;
    const gateway = pem().publicKey;
    expect(() =>
      parse({
        NODE_ENV: 'production',
        SERVICE_PRIVATE_KEY: devPem('example', 'private'),
        GATEWAY_SERVICE_PUBLIC_KEY: gateway,
      }),
    ).toThrow('Invalid environment: SERVICE_PRIVATE_KEY: the development key cannot be used in production');
    expect(() =>
      parse({
        NODE_ENV: 'production',
        SERVICE_PRIVATE_KEY: own,
        GATEWAY_SERVICE_PUBLIC_KEY: devPem('gateway', 'public'),
      }),
    ).toThrow('Invalid environment: GATEWAY_SERVICE_PUBLIC_KEY: the development key cannot be used in production');
    const env = parse({ NODE_ENV: 'production', SERVICE_PRIVATE_KEY: own, GATEWAY_SERVICE_PUBLIC_KEY: gateway });
    expect(env.warnings).toEqual([]);
  });

  it('refuse a key that is not PEM or not P-256, and read one-line PEMs with \\n', () => {
    expect(() => parse({ SERVICE_PRIVATE_KEY: 'not a key' })).toThrow(
      'Invalid environment: SERVICE_PRIVATE_KEY: is not a PEM private key',
    );
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    expect(() => parse({ SERVICE_PRIVATE_KEY: rsa.toString() })).toThrow(
      'Invalid environment: SERVICE_PRIVATE_KEY: must be an EC P-256 key (ES256)',
    );
    const oneLine = pem().publicKey.trim().replace(/\n/g, '\\n');
    expect(parse({ GATEWAY_SERVICE_PUBLIC_KEY: oneLine }).warnings).toHaveLength(1);
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

describe('a numeric variable that is not a number (PORT=abc used to answer "expected number, received NaN")', () => {
  it.each([
    ['abc', '"abc"'],
    ['15m', '"15m"'],
    ['0x10', '"0x10"'],
    ['1e3', '"1e3"'],
    ['Infinity', '"Infinity"'],
    ['8.5', '"8.5"'],
  ])('refuses PORT=%s quoting the value it got', (value, quoted) => {
    expect(() => parse({ PORT: value })).toThrow(`Invalid environment: PORT: expected a whole number, got ${quoted}`);
  });

  it('says which bound a number breaks, and reads spaces around it as nothing', () => {
    expect(() => parse({ PORT: '65536' })).toThrow('Invalid environment: PORT: must be at most 65535');
    expect(() => parse({ SHUTDOWN_DRAIN_MS: '-1' })).toThrow(
      'Invalid environment: SHUTDOWN_DRAIN_MS: must be at least 0',
    );
    expect(parse({ PORT: ' 8080 ' }).PORT).toBe(8080);
  });

  it('takes a fractional part only when integer is false', () => {
    const seconds = numberVariable({ min: 0, max: 300, integer: false });
    expect(seconds.parse('0.5')).toBe(0.5);
    expect(seconds.safeParse('ten').error?.issues[0]?.message).toBe('expected a number, got "ten"');
    expect(seconds.safeParse('301').error?.issues[0]?.message).toBe('must be at most 300');
  });
});

describe('shutdownDrainMs (SHUTDOWN_DRAIN_MS, SPEC: SIGTERM drain)', () => {
  it('drains nothing in development unless SHUTDOWN_DRAIN_MS is set, so Ctrl-C under npm run dev is quick', () => {
    expect(shutdownDrainMs(parse({}))).toBe(0);
    expect(shutdownDrainMs(parse({ SHUTDOWN_DRAIN_MS: '' }))).toBe(0);
    expect(shutdownDrainMs(parse({ SHUTDOWN_DRAIN_MS: '300' }))).toBe(300);
  });

  it('drains 500 ms by default in production and tests, or SHUTDOWN_DRAIN_MS', () => {
    expect(DEFAULT_SHUTDOWN_DRAIN_MS).toBe(500);
    expect(shutdownDrainMs({ NODE_ENV: 'production' })).toBe(500);
    expect(shutdownDrainMs(parse({ NODE_ENV: 'test' }))).toBe(500);
    expect(shutdownDrainMs({ NODE_ENV: 'production', SHUTDOWN_DRAIN_MS: 0 })).toBe(0);
  });
});
