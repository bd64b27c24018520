import { z } from 'zod';

/**
 * Environment fragments every service composes into its own `env.ts` schema, in the manner of
 * create-t3-turbo's `extends: [authEnv()]`: spread the shapes into one `z.object`, add the service's own
 * variables, then `.superRefine(requireProductionSecrets(…))` and `.transform(withDevelopmentSecrets(…))`.
 * Only zod: safe to import from any app, the gateway included.
 */

/** The development service-token secret, shared with the gateway's default so `npm run dev` works with no setup. Refused in production. */
export const DEV_SERVICE_TOKEN_SECRET = 'basis-development-service-token-secret-do-not-use';

/** Minimum secret length in production, in bytes (HS256 wants a key at least as long as its hash). */
export const MIN_SECRET_BYTES = 32;

/** pino levels, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Wraps a schema so that an empty string (what a `.env` file's `NAME=` gives) counts as unset.
 * @param schema the schema of a set value
 * @returns the schema, optional, with `''` read as `undefined`
 */
export const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/**
 * An optional variable with a default: `''` and unset both give `fallback`.
 * @param schema the schema of a set value
 * @param fallback the value when unset
 */
export const withDefault = <T extends z.ZodType>(schema: T, fallback: z.output<T>) =>
  optional(schema).transform((value): z.output<T> => (value === undefined ? fallback : (value as z.output<T>)));

/**
 * `NODE_ENV` (`development` by default), `PORT`, `HOST` (`0.0.0.0`), `LOG_LEVEL` (`info`) and
 * `SHUTDOWN_DRAIN_MS` (see {@link DEFAULT_SHUTDOWN_DRAIN_MS}).
 * @param defaults.port the service's default port (SPEC: gateway 8001, users 8002, posts 8003)
 */
export function serverEnv(defaults: { port: number }) {
  return {
    NODE_ENV: withDefault(z.enum(['development', 'production', 'test']), 'development'),
    PORT: withDefault(z.coerce.number().int().min(0).max(65_535), defaults.port),
    HOST: withDefault(z.string().trim().min(1), '0.0.0.0'),
    LOG_LEVEL: withDefault(z.enum(LOG_LEVELS), 'info'),
    SHUTDOWN_DRAIN_MS: withDefault(z.coerce.number().int().min(0).max(60_000), DEFAULT_SHUTDOWN_DRAIN_MS),
  };
}

/**
 * Default of `SHUTDOWN_DRAIN_MS`: how long a process keeps serving after SIGTERM with `/readyz` at 503,
 * in milliseconds. Small, so `Ctrl-C` in development is quick; behind Kubernetes the pod's preStop
 * sleep does the long wait, so this only covers the last endpoint updates.
 */
export const DEFAULT_SHUTDOWN_DRAIN_MS = 500;

/**
 * `DATABASE_URL` (optional `postgres://` URL; unset means PGlite) and `PGLITE_DATA_DIR`.
 * @param defaults.pgliteDataDir the default data directory, relative to the app (e.g. `.data/posts`);
 *   `memory://` keeps nothing
 */
export function databaseEnv(defaults: { pgliteDataDir: string }) {
  return {
    DATABASE_URL: optional(z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })),
    PGLITE_DATA_DIR: withDefault(z.string().min(1), defaults.pgliteDataDir),
  };
}

/** `SERVICE_TOKEN_SECRET`: optional here; see {@link requireProductionSecrets} and {@link withDevelopmentSecrets}. */
export function serviceTokenEnv() {
  return { SERVICE_TOKEN_SECRET: optional(z.string()) };
}

/**
 * A `.superRefine` step: with `NODE_ENV=production`, every named secret must be set to at least
 * {@link MIN_SECRET_BYTES} bytes (an issue naming the variable otherwise).
 * @param names the secret variables, e.g. `['SERVICE_TOKEN_SECRET']`
 */
export function requireProductionSecrets<const N extends string>(names: readonly N[]) {
  return (env: { NODE_ENV: string } & { [K in N]?: string | undefined }, ctx: z.RefinementCtx): void => {
    if (env.NODE_ENV !== 'production') return;
    for (const name of names) {
      const secret = env[name];
      if (secret === undefined || Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `must be set to at least ${MIN_SECRET_BYTES} bytes in production`,
        });
      }
    }
  };
}

/**
 * A `.transform` step: fills each unset secret with its development value and lists a warning for each
 * (to log once the logger exists). Production never gets here with a secret unset.
 * @param fallbacks secret name → development value, e.g. `{ SERVICE_TOKEN_SECRET: DEV_SERVICE_TOKEN_SECRET }`
 * @returns a function from the refined environment to the same with the secrets as strings and `warnings: string[]`
 */
export function withDevelopmentSecrets<const F extends Record<string, string>>(fallbacks: F) {
  return <E extends { [K in keyof F]?: string | undefined }>(
    env: E,
  ): Omit<E, keyof F> & { [K in keyof F]: string } & { warnings: string[] } => {
    const warnings: string[] = [];
    const filled: Record<string, unknown> = { ...env };
    for (const [name, fallback] of Object.entries(fallbacks)) {
      if (filled[name] === undefined) {
        filled[name] = fallback;
        warnings.push(`${name} is not set: using the development secret (refused when NODE_ENV=production)`);
      }
    }
    return { ...(filled as Omit<E, keyof F> & { [K in keyof F]: string }), warnings };
  };
}

/** A bad environment: `message` is one line naming the variable, e.g. `Invalid environment: PORT: …`. */
export class EnvError extends Error {
  override readonly name = 'EnvError';
}

/**
 * Parses an environment (usually `process.env`) against a service's schema.
 * @param schema the service's env schema
 * @param source variable names to string values
 * @returns the typed, defaulted environment
 * @throws EnvError naming the first invalid variable
 */
export function parseEnvWith<S extends z.ZodType>(schema: S, source: Record<string, string | undefined>): z.output<S> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = issue?.path.join('.') || 'environment';
  throw new EnvError(`Invalid environment: ${name}: ${issue?.message ?? 'is invalid'}`);
}
