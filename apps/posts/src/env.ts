import {
  databaseEnv,
  parseEnvWith,
  serverEnv,
  serviceCredentialEnv,
  withDefault,
  withServiceCredentials,
} from '@basis/service-kit/env';
import { z } from 'zod';

/** This service's identity: the `aud` its callers name, the `iss` of the credentials it mints. */
export const IDENTITY = 'posts';

/** Who may call posts: the gateway. */
const CALLERS = ['gateway'] as const;

/**
 * The posts service's environment, as SPEC.md lists it: the kit's fragments (`DATABASE_URL` among them: unset
 * means PGlite) plus `USERS_SERVICE_URL`
 * (where posts reads user events from). `PGLITE_DATA_DIR` is resolved against the process cwd,
 * `apps/posts` under `npm run dev|start -w apps/posts`, so the default lands in `apps/posts/.data/posts`.
 */
export const PostsEnv = z
  .object({
    ...serverEnv({ port: 8003 }),
    ...databaseEnv({ pgliteDataDir: '.data/posts' }),
    ...serviceCredentialEnv(CALLERS),
    USERS_SERVICE_URL: withDefault(
      z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
      'http://127.0.0.1:8002',
    ),
  })
  .transform(withServiceCredentials(IDENTITY, CALLERS));

/** The parsed environment. */
export type PostsEnv = z.output<typeof PostsEnv>;

/**
 * Parses an environment (usually `process.env`) against {@link PostsEnv}.
 * @param source variable names to string values
 * @returns the typed, defaulted environment, with `warnings` to log once the logger exists
 * @throws EnvError naming the first invalid variable
 */
export function parseEnv(source: Record<string, string | undefined>): PostsEnv {
  return parseEnvWith(PostsEnv, source);
}

/**
 * Reads `process.env` (the only place in this app that does) and parses it.
 * @throws EnvError naming the first invalid variable
 */
export function loadEnv(): PostsEnv {
  return parseEnv(process.env);
}
