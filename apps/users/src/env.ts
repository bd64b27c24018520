import { Email, Password } from '@basis/contracts';
import {
  databaseEnv,
  numberVariable,
  optional,
  parseEnvWith,
  serverEnv,
  serviceCredentialEnv,
  withDefault,
  withServiceCredentials,
} from '@basis/service-kit/env';
import { z } from 'zod';

/** This service's identity: the `aud` its callers name, the `iss` of the credentials it mints. */
export const IDENTITY = 'users';

/** Who may call users at all (each procedure's `callers` narrows it): the gateway, and posts for the event feed. */
const CALLERS = ['gateway', 'posts'] as const;

/**
 * The users service's environment, as SPEC.md lists it: the kit's fragments (`DATABASE_URL` among them: unset
 * means PGlite) plus the bootstrap admin.
 * Values are strings from `process.env`, coerced and defaulted here; `PGLITE_DATA_DIR` is resolved
 * against the process cwd, which is `apps/users` under `npm run dev|start -w apps/users`, so the
 * default lands in `apps/users/.data/users`.
 */
export const UsersEnv = z
  .object({
    ...serverEnv({ port: 8002 }),
    ...databaseEnv({ pgliteDataDir: '.data/users' }),
    ...serviceCredentialEnv(CALLERS),
    BOOTSTRAP_ADMIN_EMAIL: optional(Email),
    BOOTSTRAP_ADMIN_PASSWORD: optional(Password),
    /** How long a used refresh token may still be rotated by a concurrent refresh (seconds, 0 = never). */
    REFRESH_REUSE_INTERVAL_SECONDS: withDefault(numberVariable({ min: 0, max: 300, integer: false }), 10),
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
  })
  .transform(withServiceCredentials(IDENTITY, CALLERS));

/** The parsed environment. */
export type UsersEnv = z.output<typeof UsersEnv>;

/**
 * Parses an environment (usually `process.env`) against {@link UsersEnv}.
 * @param source variable names to string values
 * @returns the typed, defaulted environment, with `warnings` to log once the logger exists
 * @throws EnvError naming the first invalid variable
 */
export function parseEnv(source: Record<string, string | undefined>): UsersEnv {
  return parseEnvWith(UsersEnv, source);
}

/**
 * Reads `process.env` (the only place in this app that does) and parses it.
 * @throws EnvError naming the first invalid variable
 */
export function loadEnv(): UsersEnv {
  return parseEnv(process.env);
}
