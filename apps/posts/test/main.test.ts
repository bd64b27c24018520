import { fileURLToPath } from 'node:url';
import { REPEATED_SIGNAL_MS } from '@basis/service-kit';
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

  // `turbo dev` signals the task's whole process group and tsx watch relays the signal to the service: one
  // Ctrl-C arrived twice, 4 ms apart, and close-with-grace took the copy for a second Ctrl-C (exit 1, no drain).
  it('drains once for a SIGINT delivered twice at once (Ctrl-C under turbo dev), then exits 0', async () => {
    await using service = await spawnService({
      main: MAIN,
      nodeArgs: ['--import', 'tsx'],
      cwd: APP_DIR,
      env: { SHUTDOWN_DRAIN_MS: '1500', LOG_LEVEL: 'info' },
      timeoutMs: STARTUP_MS,
    });
    service.signal('SIGINT');
    service.signal('SIGINT');
    // Signals arrive asynchronously: once the drain has begun (its log line), the service still serves,
    // with every answer retiring its connection.
    const deadline = Date.now() + 10_000;
    while (!service.output().includes('draining, then shutting down') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const during = await fetch(`${service.url}/healthz`);
    expect([during.status, during.headers.get('connection')]).toEqual([200, 'close']);
    expect(await service.exited()).toBe(0);
    expect(service.output()).toContain('draining, then shutting down');
    expect(service.output()).not.toContain('second SIGINT');
  });

  it('stops at once, exit 1, on a second Ctrl-C during the drain', async () => {
    await using service = await spawnService({
      main: MAIN,
      nodeArgs: ['--import', 'tsx'],
      cwd: APP_DIR,
      env: { SHUTDOWN_DRAIN_MS: '20000' },
      timeoutMs: STARTUP_MS,
    });
    service.signal('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, REPEATED_SIGNAL_MS + 150));
    service.signal('SIGINT');
    expect(await service.exited()).toBe(1);
    expect(service.output()).toContain('second SIGINT, exiting');
  });
});
