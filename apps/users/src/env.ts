import { Email, Password } from '@basis/contracts';
import { z } from 'zod';

/**
 * The development service-token secret, shared with the gateway's default so `npm run dev` works with
 * no setup. Refused in production.
 */
export const DEV_SERVICE_TOKEN_SECRET = 'basis-development-service-token-secret-do-not-use';

/** Minimum secret length in production, in bytes (HS256 wants a key at least as long as its hash). */
export const MIN_SECRET_BYTES = 32;

/** Treats empty strings (as `.env` files produce for `NAME=`) as unset. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/**
 * The users service's environment, as SPEC.md lists it. Values are strings from `process.env`,
 * coerced and defaulted here; `PGLITE_DATA_DIR` is resolved against the process cwd, which is
 * `apps/users` under `npm run dev|start -w apps/users`, so the default lands in `apps/users/.data/users`.
 */
export const UsersEnv = z
  .object({
    NODE_ENV: optional(z.enum(['development', 'production', 'test'])).transform((value) => value ?? 'development'),
    PORT: optional(z.coerce.number().int().min(0).max(65_535)).transform((value) => value ?? 8002),
    HOST: optional(z.string().min(1)).transform((value) => value ?? '0.0.0.0'),
    DATABASE_URL: optional(z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })),
    PGLITE_DATA_DIR: optional(z.string().min(1)).transform((value) => value ?? '.data/users'),
    SERVICE_TOKEN_SECRET: optional(z.string()),
    BOOTSTRAP_ADMIN_EMAIL: optional(Email),
    BOOTSTRAP_ADMIN_PASSWORD: optional(Password),
    LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])).transform(
      (value) => value ?? 'info',
    ),
  })
  .superRefine((env, ctx) => {
    if ((env.BOOTSTRAP_ADMIN_EMAIL === undefined) !== (env.BOOTSTRAP_ADMIN_PASSWORD === undefined)) {
      const missing = env.BOOTSTRAP_ADMIN_EMAIL === undefined ? 'BOOTSTRAP_ADMIN_EMAIL' : 'BOOTSTRAP_ADMIN_PASSWORD';
      ctx.addIssue({
        code: 'custom',
        path: [missing],
        message: 'must be set together with the other BOOTSTRAP_ADMIN_* variable',
      });
    }
    if (env.NODE_ENV === 'production') {
      const secret = env.SERVICE_TOKEN_SECRET;
      if (secret === undefined || Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
        ctx.addIssue({
          code: 'custom',
          path: ['SERVICE_TOKEN_SECRET'],
          message: `must be set to at least ${MIN_SECRET_BYTES} bytes in production`,
        });
      }
    }
  })
  .transform(({ SERVICE_TOKEN_SECRET, ...env }) => ({
    ...env,
    SERVICE_TOKEN_SECRET: SERVICE_TOKEN_SECRET ?? DEV_SERVICE_TOKEN_SECRET,
    /** Warnings to log once the logger exists (the development secret is in use). */
    warnings:
      SERVICE_TOKEN_SECRET === undefined
        ? ['SERVICE_TOKEN_SECRET is not set: using the development secret (refused when NODE_ENV=production)']
        : [],
  }));

/** The parsed environment. */
export type UsersEnv = z.output<typeof UsersEnv>;

/** A bad environment: `message` is one line naming the variable, e.g. `Invalid environment: PORT: …`. */
export class EnvError extends Error {
  override readonly name = 'EnvError';
}

/**
 * Parses an environment (usually `process.env`) against {@link UsersEnv}.
 * @param source variable names to string values
 * @returns the typed, defaulted environment
 * @throws EnvError naming the first invalid variable
 */
export function parseEnv(source: Record<string, string | undefined>): UsersEnv {
  const result = UsersEnv.safeParse(source);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = issue?.path.join('.') || 'environment';
  throw new EnvError(`Invalid environment: ${name}: ${issue?.message ?? 'is invalid'}`);
}

/**
 * Reads `process.env` (the only place in this app that does) and parses it.
 * @throws EnvError naming the first invalid variable
 */
export function loadEnv(): UsersEnv {
  return parseEnv(process.env);
}
