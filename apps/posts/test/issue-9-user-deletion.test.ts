import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTemporaryDatabase, spawnService, TEST_DATABASE_URL, type TokenActor } from '@basis/service-kit/test';
import { describe, expect, it } from 'vitest';
import { callProcedure } from './support/calls.js';

/**
 * Issue 9, end to end: deleting a user removes their posts through users' outbox and posts' consumer,
 * with both services running as built processes talking real HTTP with their own credentials. The
 * users service is only spawned (never imported): `npx turbo build` builds it first.
 */
const USERS_MAIN = fileURLToPath(new URL('../../users/dist/main.js', import.meta.url));
const POSTS_MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const ADMIN = { email: 'admin@example.com', password: 'correct horse battery staple' };
/**
 * How long a service may take to answer /readyz. Opening a PGlite database is CPU-bound (WASM compile and
 * initdb): 5 s on an idle machine, but 35..54 s was measured with the shared cores at a load of 13, past the
 * kit's 30 s default, which failed these cases before a single deletion.
 */
const START_MS = 120_000;

const call = callProcedure;

/** Where each service keeps its data across restarts: a PGlite directory, or a PostgreSQL database. */
interface Storage extends AsyncDisposable {
  env: Record<string, string>;
}

async function pgliteStorage(): Promise<Storage> {
  const dir = await mkdtemp(join(tmpdir(), 'basis-events-'));
  return { env: { PGLITE_DATA_DIR: dir }, [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
}

async function postgresStorage(url: string): Promise<Storage> {
  const database = await createTemporaryDatabase(url);
  return { env: { DATABASE_URL: database.url }, [Symbol.asyncDispose]: database.drop };
}

const drivers: { name: string; storage: () => Promise<Storage> }[] = [
  { name: 'pglite', storage: pgliteStorage },
  ...(TEST_DATABASE_URL ? [{ name: 'postgres', storage: () => postgresStorage(TEST_DATABASE_URL ?? '') }] : []),
];

/** Both services on their own storage, with the helpers every case needs. */
async function startStack(storage: { users: Storage; posts: Storage }) {
  const usersEnv = {
    ...storage.users.env,
    BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
    BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
  };
  let users = await spawnService({ main: USERS_MAIN, env: usersEnv, timeoutMs: START_MS });
  const startPosts = () =>
    spawnService({
      main: POSTS_MAIN,
      env: { ...storage.posts.env, USERS_SERVICE_URL: users.url, LOG_LEVEL: 'info' },
      timeoutMs: START_MS,
    });
  const stack = { users, posts: await startPosts(), postsOutputs: [] as string[] };
  const admin = await call<{ id: number }>(users, 'users', 'internal.verifyCredentials', ADMIN);
  const session = await call<{ sessionId: string }>(users, 'users', 'internal.createSession', {
    userId: admin.id,
    ttlSeconds: 3600,
  });
  const adminActor: TokenActor = { id: admin.id, role: 'admin', sessionId: session.sessionId };
  return {
    stack,
    /** Registers a user and gives them `count` posts; @returns the user's id */
    async author(email: string, count = 1): Promise<number> {
      const user = await call<{ id: number }>(users, 'users', 'users.create', { email, password: ADMIN.password });
      for (let i = 0; i < count; i += 1)
        await call(
          stack.posts,
          'posts',
          'posts.create',
          { title: `post ${i}`, body: 'text' },
          { id: user.id, role: 'user' },
        );
      return user.id;
    },
    remove: (id: number) => call(users, 'users', 'users.delete', { id }, adminActor),
    /**
     * Ends users, gracefully (SIGTERM) or killed (SIGKILL), and starts it again on the same port and storage
     * (posts keeps its USERS_SERVICE_URL).
     */
    async restartUsers(how: 'stop' | 'kill' = 'stop') {
      await (how === 'kill' ? users.kill() : users.stop());
      users = await spawnService({
        main: USERS_MAIN,
        env: usersEnv,
        host: users.host,
        port: users.port,
        timeoutMs: START_MS,
      });
    },
    /** The author ids that still have posts. */
    async authors(): Promise<Set<number>> {
      const page = await call<{ items: { authorId: number }[] }>(stack.posts, 'posts', 'posts.list', { limit: 100 });
      return new Set(page.items.map((post) => post.authorId));
    },
    async restartPosts() {
      stack.postsOutputs.push(stack.posts.output());
      stack.posts = await startPosts();
    },
    /** How many events the posts processes logged as applied, all runs together. */
    appliedEvents(): number {
      const lines = [...stack.postsOutputs, stack.posts.output()].join('\n').split('\n');
      return lines
        .filter((line) => line.includes('user events applied'))
        .reduce((sum, line) => sum + Number(/"events":(\d+)/.exec(line)?.[1] ?? 0), 0);
    },
    async [Symbol.asyncDispose]() {
      await stack.posts.stop();
      await users.stop();
    },
  };
}

/** Polls until none of `ids` has posts left, or `timeoutMs`; @returns when each was first seen gone (ms epoch). */
async function waitUntilGone(
  authors: () => Promise<Set<number>>,
  ids: number[],
  timeoutMs: number,
): Promise<Map<number, number>> {
  const gone = new Map<number, number>();
  const deadline = Date.now() + timeoutMs;
  while (gone.size < ids.length && Date.now() < deadline) {
    const left = await authors();
    const now = Date.now();
    for (const id of ids) if (!left.has(id) && !gone.has(id)) gone.set(id, now);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return gone;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(drivers)(
  'deleting a user deletes their posts, end to end, on $name (issue 9)',
  { timeout: 600_000 },
  ({ name, storage }) => {
    const storages = async () => ({ users: await storage(), posts: await storage() });

    it('removes them within 5 s while both run: 50 deletions, each timed', async () => {
      const { users: u, posts: p } = await storages();
      await using _u = u;
      await using _p = p;
      await using stack = await startStack({ users: u, posts: p });
      const bystander = await stack.author('bystander@example.com', 2);
      const ids: number[] = [];
      for (let i = 0; i < 50; i += 1) ids.push(await stack.author(`author${i}@example.com`));
      const deletedAt = new Map<number, number>();
      const watching = (async () => {
        await sleep(10);
        return waitUntilGone(stack.authors, ids, 20_000);
      })();
      for (const id of ids) {
        await stack.remove(id);
        deletedAt.set(id, Date.now());
        await sleep(40);
      }
      const gone = await watching;
      const delays = ids.map((id) => (gone.get(id) ?? Number.POSITIVE_INFINITY) - (deletedAt.get(id) ?? 0));
      const sorted = [...delays].sort((a, b) => a - b);
      const median = ((sorted[24] ?? 0) + (sorted[25] ?? 0)) / 2;
      console.info(`${name}: deletion → posts gone over 50 deletions: median ${median} ms, max ${sorted.at(-1)} ms`);
      expect(Math.max(...delays)).toBeLessThan(5000);
      expect((await stack.authors()).has(bystander)).toBe(true);
      expect(stack.appliedEvents()).toBe(50);
    });

    it('removes them within 5 s of posts coming back when posts was down at the time', async () => {
      const { users: u, posts: p } = await storages();
      await using _u = u;
      await using _p = p;
      await using stack = await startStack({ users: u, posts: p });
      const ids = [await stack.author('a@example.com', 2), await stack.author('b@example.com', 2)];
      const bystander = await stack.author('c@example.com');
      await stack.stack.posts.stop();
      for (const id of ids) await stack.remove(id);
      await sleep(1000);
      await stack.restartPosts();
      const back = Date.now();
      const gone = await waitUntilGone(stack.authors, ids, 5000);
      expect(gone.size).toBe(2);
      expect(Math.max(...gone.values()) - back).toBeLessThan(5000);
      expect((await stack.authors()).has(bystander)).toBe(true);
      expect(stack.appliedEvents()).toBe(2);
    });

    it.each(['stop', 'kill'] as const)(
      'loses no event and applies none twice across a %s and restart of users mid-stream',
      async (how) => {
        const { users: u, posts: p } = await storages();
        await using _u = u;
        await using _p = p;
        await using stack = await startStack({ users: u, posts: p });
        const ids: number[] = [];
        for (let i = 0; i < 20; i += 1) ids.push(await stack.author(`${how}${i}@example.com`));
        // Stopped right after its 10th deletion committed, while posts is still reading the feed.
        for (const id of ids.slice(0, 10)) {
          await stack.remove(id);
          await sleep(25);
        }
        await stack.restartUsers(how);
        const back = Date.now();
        for (const id of ids.slice(10)) await stack.remove(id);
        const gone = await waitUntilGone(stack.authors, ids, 5000);
        expect(gone.size).toBe(20);
        expect(Math.max(...gone.values()) - back).toBeLessThan(5000);
        expect(stack.appliedEvents()).toBe(20);
      },
    );

    it('loses no event and applies none twice across a kill of posts mid-stream', async () => {
      const { users: u, posts: p } = await storages();
      await using _u = u;
      await using _p = p;
      await using stack = await startStack({ users: u, posts: p });
      const ids: number[] = [];
      for (let i = 0; i < 20; i += 1) ids.push(await stack.author(`k${i}@example.com`));
      for (const [i, id] of ids.entries()) {
        await stack.remove(id);
        await sleep(25);
        if (i === 9) await stack.stack.posts.kill();
      }
      await stack.restartPosts();
      const gone = await waitUntilGone(stack.authors, ids, 5000);
      expect(gone.size).toBe(20);
      // Each event logs once when its page commits; a kill can lose a line, never add one.
      expect(stack.appliedEvents()).toBeLessThanOrEqual(20);
    });
  },
);
