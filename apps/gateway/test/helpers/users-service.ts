import { fileURLToPath } from 'node:url';
import { type SpawnedService, spawnService } from '@basis/service-kit/test';

/** The built service entries; the gateway never imports them, tests run them as processes. */
const MAIN = {
  users: fileURLToPath(new URL('../../../users/dist/main.js', import.meta.url)),
  posts: fileURLToPath(new URL('../../../posts/dist/main.js', import.meta.url)),
} as const;

/** The bootstrap admin every test users service starts with. */
export const ADMIN = { email: 'admin@example.com', password: 'admin-password-123' } as const;

/** A running service (PGlite in memory) on its own port: the kit's {@link SpawnedService}. */
export type UsersService = SpawnedService;

/** PGlite opening with migrations takes seconds, more on a busy machine. */
const STARTUP_MS = 60_000;

/**
 * Starts `node apps/users/dist/main.js` with the kit's `spawnService` (free port, PGlite in memory) and a
 * bootstrap admin ({@link ADMIN}), and waits for its `/healthz`.
 * @param env extra variables (e.g. `SERVICE_PRIVATE_KEY`)
 * @throws when the service is not built (`npm run build -w apps/users`) or does not start in time
 */
export function startUsersService(env: Record<string, string> = {}): Promise<SpawnedService> {
  return spawnService({
    main: MAIN.users,
    readyPath: '/healthz',
    timeoutMs: STARTUP_MS,
    env: { BOOTSTRAP_ADMIN_EMAIL: ADMIN.email, BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password, ...env },
  });
}

/**
 * Starts the real posts service (`node apps/posts/dist/main.js`, PGlite in memory) and waits for its `/readyz`.
 * @param env extra variables (e.g. `USERS_SERVICE_URL`)
 * @throws when the service is not built (`npm run build -w apps/posts`) or does not start in time
 */
export function startPostsService(env: Record<string, string> = {}): Promise<SpawnedService> {
  return spawnService({ main: MAIN.posts, timeoutMs: STARTUP_MS, env });
}
