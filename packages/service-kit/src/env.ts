import { z } from 'zod';
import {
  CredentialKeyError,
  loadServiceCredentials,
  PRIVATE_KEY_VARIABLE,
  publicKeyVariable,
  type ServiceCredentials,
} from './credentials/keys.js';

export type { ServiceCredentials };

/** The key variables {@link withServiceCredentials} replaces with `SERVICE_CREDENTIALS`. */
type KeyVariable = 'SERVICE_PRIVATE_KEY' | `${string}_SERVICE_PUBLIC_KEY`;

/**
 * Environment fragments every service composes into its own `env.ts` schema, in the manner of
 * create-t3-turbo's `extends: [authEnv()]`: spread the shapes into one `z.object`, add the service's own
 * variables, then `.transform(withServiceCredentials(…))`. Only zod and node:crypto.
 */

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

/** Decimal text of a whole number, optionally negative (a bound refuses it with its own message). */
const WHOLE_NUMBER = /^-?[0-9]+$/;
/** Decimal text of a number, optionally with a fractional part. */
const DECIMAL_NUMBER = /^-?[0-9]+(?:\.[0-9]+)?$/;

/**
 * A numeric variable: its text (surrounding spaces ignored) read as a decimal number, then bounded.
 * Text that is not one is an issue quoting it (`expected a whole number, got "15m"`), rather than
 * zod's coercion message `expected number, received NaN`, which names neither the rule nor the value;
 * `0x10`, `1e3` and `Infinity` are refused too.
 * @param bounds `min` and `max`, inclusive; `integer: false` also accepts a fractional part (`0.5`)
 * @returns a schema from the variable's string to a number
 * @example numberVariable({ min: 0, max: 65_535 }) // PORT
 */
export function numberVariable(bounds: { min?: number; max?: number; integer?: boolean } = {}) {
  const { min, max, integer = true } = bounds;
  const expected = integer ? 'a whole number' : 'a number';
  let value = z.number();
  if (min !== undefined) value = value.min(min, { error: `must be at least ${min}` });
  if (max !== undefined) value = value.max(max, { error: `must be at most ${max}` });
  return z
    .string()
    .trim()
    .regex(integer ? WHOLE_NUMBER : DECIMAL_NUMBER, {
      error: (issue) => `expected ${expected}, got ${JSON.stringify(issue.input)}`,
    })
    .transform(Number)
    .pipe(value);
}

/**
 * `NODE_ENV` (`development` by default), `PORT`, `HOST` (`0.0.0.0`), `LOG_LEVEL` (`info`),
 * `SHUTDOWN_DRAIN_MS` (optional: see {@link shutdownDrainMs}), and the tracing pair
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (optional http(s) URL: the OTLP/HTTP collector; unset, tracing is off)
 * and `OTEL_SERVICE_NAME` (optional; the service's name by default), read by `startTracing`.
 * @param defaults.port the service's default port (SPEC: gateway 8001, users 8002, posts 8003)
 */
export function serverEnv(defaults: { port: number }) {
  return {
    NODE_ENV: withDefault(z.enum(['development', 'production', 'test']), 'development'),
    PORT: withDefault(numberVariable({ min: 0, max: 65_535 }), defaults.port),
    HOST: withDefault(z.string().trim().min(1), '0.0.0.0'),
    LOG_LEVEL: withDefault(z.enum(LOG_LEVELS), 'info'),
    SHUTDOWN_DRAIN_MS: optional(numberVariable({ min: 0, max: 60_000 })),
    OTEL_EXPORTER_OTLP_ENDPOINT: optional(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })),
    OTEL_SERVICE_NAME: optional(z.string().trim().min(1)),
  };
}

/**
 * Default of `SHUTDOWN_DRAIN_MS` outside development: how long a process keeps serving after SIGTERM with
 * `/readyz` at 503, in milliseconds. Small: behind Kubernetes the pod's preStop sleep does the long wait,
 * so this only covers the last endpoint updates.
 */
export const DEFAULT_SHUTDOWN_DRAIN_MS = 500;

/**
 * The drain delay of a process, in milliseconds: `SHUTDOWN_DRAIN_MS` when set; else 0 in development (no
 * load balancer to wait for, so Ctrl-C under `npm run dev` stops at once) and {@link DEFAULT_SHUTDOWN_DRAIN_MS}
 * in production and tests.
 * @param env the parsed `NODE_ENV` and optional `SHUTDOWN_DRAIN_MS`
 */
export function shutdownDrainMs(env: {
  NODE_ENV: 'development' | 'production' | 'test';
  SHUTDOWN_DRAIN_MS?: number | undefined;
}): number {
  return env.SHUTDOWN_DRAIN_MS ?? (env.NODE_ENV === 'development' ? 0 : DEFAULT_SHUTDOWN_DRAIN_MS);
}

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

/**
 * The key variables of a service's credentials (SPEC: Internal trust): `SERVICE_PRIVATE_KEY` (its own
 * ES256 private key, PEM) and one `<CALLER>_SERVICE_PUBLIC_KEY` per caller it answers (PEM), all
 * optional here; {@link withServiceCredentials} turns them into keys.
 * @param callers the identities whose credentials this service accepts, e.g. `['gateway', 'posts']`
 */
export function serviceCredentialEnv<const C extends string>(callers: readonly C[]) {
  const shape: Record<string, ReturnType<typeof optional<z.ZodString>>> = {
    [PRIVATE_KEY_VARIABLE]: optional(z.string()),
  };
  for (const caller of callers) shape[publicKeyVariable(caller)] = optional(z.string());
  return shape as { SERVICE_PRIVATE_KEY: ReturnType<typeof optional<z.ZodString>> } & {
    [K in C as `${Uppercase<K>}_SERVICE_PUBLIC_KEY`]: ReturnType<typeof optional<z.ZodString>>;
  };
}

/**
 * A `.transform` step after {@link serviceCredentialEnv}: makes the KeyObjects once
 * (`loadServiceCredentials`) and replaces the key variables with `SERVICE_CREDENTIALS`. Unset keys
 * outside production are the identity's development keys, each with a line in `warnings`; with
 * `NODE_ENV=production` a missing, unparsable or development key is an issue naming its variable.
 * @param identity this service's identity (`users`, `posts`): its credentials' `iss` and its `aud`
 * @param callers the same list as given to {@link serviceCredentialEnv}
 * @returns a transform from the parsed environment to the same with `SERVICE_CREDENTIALS` and `warnings: string[]`
 */
export function withServiceCredentials(identity: string, callers: readonly string[]) {
  return <E extends { NODE_ENV: string; SERVICE_PRIVATE_KEY?: string | undefined }>(
    env: E,
    ctx: z.RefinementCtx,
  ): Omit<E, KeyVariable> & { SERVICE_CREDENTIALS: ServiceCredentials; warnings: string[] } => {
    const values = env as unknown as Record<string, string | undefined>;
    try {
      const { credentials, warnings } = loadServiceCredentials({
        identity,
        production: env.NODE_ENV === 'production',
        privateKey: env.SERVICE_PRIVATE_KEY,
        callerKeys: Object.fromEntries(callers.map((caller) => [caller, values[publicKeyVariable(caller)]])),
      });
      const rest: Record<string, unknown> = { ...env };
      for (const name of [PRIVATE_KEY_VARIABLE, ...callers.map(publicKeyVariable)]) delete rest[name];
      return { ...(rest as Omit<E, KeyVariable>), SERVICE_CREDENTIALS: credentials, warnings };
    } catch (error) {
      if (!(error instanceof CredentialKeyError)) throw error;
      ctx.addIssue({ code: 'custom', path: [error.variable], message: error.message });
      return z.NEVER;
    }
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
