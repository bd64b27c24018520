import { fileURLToPath } from 'node:url';
import { mintServiceToken, spawnService } from '@basis/service-kit/test';
import { describe, expect, it } from 'vitest';

/** `src/main.ts` under tsx, so the test needs no build of this app (turbo builds only its dependencies first). */
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const APP_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Starting tsx and PGlite takes 5..20 s on a busy machine. */
const STARTUP_MS = 45_000;

describe('the posts service process (src/main.ts)', { timeout: 60_000 }, () => {
  it('migrates its database at start, serves posts, and exits 0 on SIGTERM', async () => {
    await using service = await spawnService({
      main: MAIN,
      nodeArgs: ['--import', 'tsx'],
      cwd: APP_DIR,
      timeoutMs: STARTUP_MS,
    });
    const token = mintServiceToken('posts', { id: 7, role: 'user' });
    const created = await fetch(`${service.url}/trpc/posts.create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: ' Hello ', body: 'World' }),
    });
    expect(created.status).toBe(200);
    expect(await created.json()).toMatchObject({ result: { data: { id: 1, authorId: 7, title: 'Hello' } } });
    await service.stop();
    expect(service.exitCode()).toBe(0);
  });

  it('exits 1 with one line naming a bad variable', async () => {
    await expect(
      spawnService({
        main: MAIN,
        nodeArgs: ['--import', 'tsx'],
        cwd: APP_DIR,
        env: { USERS_SERVICE_URL: 'nope' },
        timeoutMs: STARTUP_MS,
      }),
    ).rejects.toThrow(/Invalid environment: USERS_SERVICE_URL: /);
  });
});
