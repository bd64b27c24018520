import { CredentialKeyError, loadServiceCredentials, type ServiceCredentials } from '@basis/service-kit/credentials';
import { numberVariable } from '@basis/service-kit/env';
import { z } from 'zod';
import { JWT_ALGORITHMS, loadSigningKeys, SigningKeyError } from './auth/signing-keys.js';
import { services } from './services.js';
import { serviceUrlVariable } from './upstream/service.js';

/** Development-only secrets: used when a secret is unset outside production, with a warning. */
export const DEV_SECRETS = {
  JWT_SECRET: 'basis-development-jwt-secret-do-not-use-in-production',
} as const;

/** Shortest secret accepted in production, in bytes (HS256 wants at least its 256-bit output size). */
export const MIN_SECRET_BYTES = 32;

type SecretName = keyof typeof DEV_SECRETS;

const port = numberVariable({ min: 0, max: 65_535 });
const positiveInt = numberVariable({ min: 1 });
const httpUrl = z.url({ protocol: /^https?$/ });

type ServiceName = keyof typeof services & string;
/** The variable naming a declared service's origin: `users` → `USERS_SERVICE_URL`. */
type ServiceUrlVariable<N extends string> = `${Uppercase<N>}_SERVICE_URL`;

/** `<NAME>_SERVICE_URL` for every service declared in services.ts, defaulting to its declared `url`. */
const serviceUrlShape = Object.fromEntries(
  Object.entries(services).map(([name, service]) => [serviceUrlVariable(name), httpUrl.default(service.url)]),
) as { [N in ServiceName as ServiceUrlVariable<N>]: z.ZodDefault<typeof httpUrl> };

/**
 * `TRUST_PROXY`, as Fastify's `trustProxy` option: unset or `false` trusts no proxy (the client IP
 * is the socket's, `X-Forwarded-For` is ignored); `true` trusts every hop (only behind a proxy
 * that overwrites the header); a number trusts that many hops; anything else is a comma-separated
 * list of proxy addresses or CIDR ranges (`10.0.0.0/8,127.0.0.1`).
 * @see https://fastify.dev/docs/latest/Reference/Server/#trustproxy
 */
const trustProxy = z
  .string()
  .trim()
  .default('false')
  .transform((value, ctx): boolean | number | string[] => {
    if (value === '' || value === 'false') return false;
    if (value === 'true') return true;
    if (/^[0-9]+$/.test(value)) return Number(value);
    const entries = value
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    const invalid = entries.filter((entry) => !/^[0-9a-fA-F:.]+(?:\/[0-9]{1,3})?$/.test(entry));
    if (invalid.length > 0 || entries.length === 0) {
      ctx.issues.push({
        code: 'custom',
        message: `expected false, true, a hop count or a comma-separated list of addresses or CIDR ranges; got ${invalid.join(', ') || 'nothing'}`,
        input: value,
      });
      return z.NEVER;
    }
    return entries;
  });

/**
 * `CORS_ORIGINS`: comma-separated origins, each `http(s)://host[:port]` as a browser sends it in
 * `Origin`, returned in that form (`HTTP://App.Example:443/` → `https://app.example` for https). An
 * entry that is no origin (`*`, `app.example`, a path) is refused by name: the CORS plugin compares
 * origins exactly, so it would have matched nothing and CORS would have stayed off without a word.
 * @see RFC 6454 §6.1 (serializing an origin)
 */
const corsOrigins = z
  .string()
  .default('')
  .transform((value, ctx): string[] => {
    const entries = value
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0);
    const origins: string[] = [];
    for (const entry of entries) {
      const url = URL.canParse(entry) ? new URL(entry) : undefined;
      const isOrigin =
        url !== undefined &&
        (url.protocol === 'http:' || url.protocol === 'https:') &&
        url.pathname === '/' &&
        url.search === '' &&
        url.hash === '' &&
        url.username === '' &&
        url.password === '';
      if (!isOrigin) {
        ctx.issues.push({
          code: 'custom',
          message: `${JSON.stringify(entry)} is not an origin: list each allowed one as http(s)://host[:port], e.g. http://localhost:3000`,
          input: value,
        });
        return z.NEVER;
      }
      origins.push(url.origin);
    }
    return origins;
  });

/**
 * The gateway's environment, as SPEC.md lists it. Secrets are optional here: {@link parseEnv}
 * applies the production rule (refuse) or the development default (warn) afterwards.
 */
export const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: port.default(8001),
  HOST: z.string().min(1).default('0.0.0.0'),
  ...serviceUrlShape,
  JWT_SECRET: z.string().optional(),
  /** Access-token algorithm: HS256 with `JWT_SECRET`, or ES256/RS256 with `JWT_PRIVATE_KEY`. */
  JWT_ALGORITHM: z.enum(JWT_ALGORITHMS).default('HS256'),
  /** PEM private key (PKCS#8, SEC1 or PKCS#1) for ES256/RS256; validated by auth/signing-keys.ts. */
  JWT_PRIVATE_KEY: z.string().optional(),
  /** PEM public keys that still verify (rotation), concatenated; published in the JWKS. */
  JWT_PREVIOUS_PUBLIC_KEYS: z.string().optional(),
  /** Access token lifetime in seconds. */
  ACCESS_TOKEN_TTL: positiveInt.default(900),
  /** Refresh session lifetime in seconds. */
  REFRESH_TOKEN_TTL: positiveInt.default(1_209_600),
  /** Per-call upstream timeout in milliseconds. */
  UPSTREAM_TIMEOUT_MS: positiveInt.default(5000),
  /**
   * The gateway's own ES256 private key (PEM): it signs the service credential of every upstream call
   * (`iss` gateway); each service holds the public key as `GATEWAY_SERVICE_PUBLIC_KEY`.
   */
  SERVICE_PRIVATE_KEY: z.string().optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  /** Comma-separated list of allowed CORS origins; empty disables CORS. See {@link corsOrigins}. */
  CORS_ORIGINS: corsOrigins,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `auth.access` calls per minute per client IP, whatever the email (password spraying). */
  RATE_LIMIT_LOGIN_PER_IP: positiveInt.default(20),
  /** `users.create` calls per minute per client IP. */
  RATE_LIMIT_REGISTER_PER_IP: positiveInt.default(10),
  /** Which proxies' `X-Forwarded-For` to believe for the client IP: see {@link trustProxy}. */
  TRUST_PROXY: trustProxy,
  /**
   * Milliseconds the gateway keeps serving after SIGTERM with `/readyz` at 503, before it stops accepting;
   * unset: the kit's `shutdownDrainMs` (0 in development, 500 otherwise).
   */
  SHUTDOWN_DRAIN_MS: numberVariable({ min: 0, max: 60_000 }).optional(),
  /** OTLP/HTTP collector base URL (spans go to `<url>/v1/traces`); unset, tracing is off and costs nothing. */
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
  /** The `service.name` of the gateway's spans; `gateway` when unset. */
  OTEL_SERVICE_NAME: z.string().trim().min(1).optional(),
});

/** The gateway's identity: the `iss` of every service credential it mints. */
export const GATEWAY_IDENTITY = 'gateway';

/** The parsed gateway configuration; secrets are always present after {@link parseEnv}, the service key as KeyObjects. */
export type Env = Omit<z.output<typeof EnvSchema>, SecretName | 'SERVICE_PRIVATE_KEY'> &
  Record<SecretName, string> & { SERVICE_CREDENTIALS: ServiceCredentials };

/** Thrown by {@link parseEnv} when a variable is invalid; the message names every bad variable. */
export class EnvError extends Error {
  override name = 'EnvError';
}

/**
 * Parses and validates the gateway's environment.
 * Empty strings count as unset, so `.env` lines like `REDIS_URL=` fall back to defaults.
 * @param source variables to read, usually `process.env`
 * @returns the configuration and the warnings to log (development secrets in use)
 * @throws {EnvError} naming each invalid variable; with `NODE_ENV=production` also each
 *   secret that is missing, shorter than {@link MIN_SECRET_BYTES} bytes, or a development default
 *   (`JWT_SECRET` only with `JWT_ALGORITHM=HS256`); with ES256/RS256, `JWT_PRIVATE_KEY` missing in
 *   production, or any key variable that does not parse ({@link signingKeyProblems})
 */
export function parseEnv(source: Record<string, string | undefined>): { env: Env; warnings: string[] } {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const result = EnvSchema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new EnvError(`Invalid gateway environment:\n  ${problems.join('\n  ')}`);
  }
  const parsed = result.data;
  const warnings: string[] = [];
  const problems: string[] = [];
  const secrets = {} as Record<SecretName, string>;
  for (const name of Object.keys(DEV_SECRETS) as SecretName[]) {
    const value = parsed[name];
    if (name === 'JWT_SECRET' && parsed.JWT_ALGORITHM !== 'HS256') {
      // Unused: the access tokens are signed with JWT_PRIVATE_KEY (checked below).
      secrets[name] = value ?? DEV_SECRETS[name];
    } else if (parsed.NODE_ENV === 'production') {
      if (value === undefined) problems.push(`${name}: required when NODE_ENV=production`);
      else if (Buffer.byteLength(value, 'utf8') < MIN_SECRET_BYTES)
        problems.push(`${name}: must be at least ${MIN_SECRET_BYTES} bytes when NODE_ENV=production`);
      else if (value === DEV_SECRETS[name])
        problems.push(`${name}: the development default cannot be used in production`);
      secrets[name] = value ?? '';
    } else if (value === undefined) {
      warnings.push(`${name} is not set: using the fixed development secret (never do this in production)`);
      secrets[name] = DEV_SECRETS[name];
    } else {
      secrets[name] = value;
    }
  }
  problems.push(...signingKeyProblems(parsed, warnings));
  const { SERVICE_PRIVATE_KEY: privateKey, ...rest } = parsed;
  let credentials: ServiceCredentials | undefined;
  try {
    const loaded = loadServiceCredentials({
      identity: GATEWAY_IDENTITY,
      production: parsed.NODE_ENV === 'production',
      privateKey,
      callerKeys: {},
    });
    credentials = loaded.credentials;
    warnings.push(...loaded.warnings);
  } catch (error) {
    if (!(error instanceof CredentialKeyError)) throw error;
    problems.push(`${error.variable}: ${error.message}`);
  }
  if (problems.length > 0 || !credentials)
    throw new EnvError(`Invalid gateway environment:\n  ${problems.join('\n  ')}`);
  return { env: { ...rest, ...secrets, SERVICE_CREDENTIALS: credentials }, warnings };
}

/**
 * Each declared service's origin by service name, from its `<NAME>_SERVICE_URL`.
 * @returns e.g. `{ users: 'http://127.0.0.1:8002', posts: 'http://127.0.0.1:8003' }`
 */
export function serviceUrls(env: Env): Record<string, string> {
  const values = env as unknown as Record<string, string>;
  return Object.fromEntries(
    Object.keys(services).map((name) => [name, values[serviceUrlVariable(name)] ?? services[name as ServiceName].url]),
  );
}

/**
 * The access-token key rules: with ES256/RS256, `JWT_PRIVATE_KEY` is required in production
 * (and cannot be the development key), defaults to the development key otherwise (with a
 * warning); every key variable must parse (auth/signing-keys.ts makes the keys the same way at start).
 * @returns the problems, each naming its variable; warnings are appended to `warnings`
 */
function signingKeyProblems(parsed: z.output<typeof EnvSchema>, warnings: string[]): string[] {
  const production = parsed.NODE_ENV === 'production';
  const asymmetric = parsed.JWT_ALGORITHM !== 'HS256';
  if (asymmetric && parsed.JWT_PRIVATE_KEY === undefined) {
    if (production)
      return [`JWT_PRIVATE_KEY: required when NODE_ENV=production and JWT_ALGORITHM=${parsed.JWT_ALGORITHM}`];
    warnings.push(
      `JWT_PRIVATE_KEY is not set: using the fixed development ${parsed.JWT_ALGORITHM} key (never do this in production)`,
    );
  }
  try {
    const keys = loadSigningKeys({
      algorithm: parsed.JWT_ALGORITHM,
      secret: parsed.JWT_SECRET ?? DEV_SECRETS.JWT_SECRET,
      privateKeyPem: parsed.JWT_PRIVATE_KEY,
      previousPublicKeysPem: parsed.JWT_PREVIOUS_PUBLIC_KEYS,
    });
    if (production && asymmetric && keys.isDevelopmentKey)
      return ['JWT_PRIVATE_KEY: the development key cannot be used in production'];
  } catch (error) {
    if (error instanceof SigningKeyError) return [`${error.variable}: ${error.message}`];
    throw error;
  }
  return [];
}

/**
 * Reads `process.env` (the only place in this app that does) and parses it with {@link parseEnv}.
 * @throws {EnvError} naming every bad variable
 */
export function loadEnv(): ReturnType<typeof parseEnv> {
  return parseEnv(process.env);
}
