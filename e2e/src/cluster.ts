import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nginxArgs, writeNginxConfig } from '@basis/nginx';
import { createTemporaryDatabase, freePort } from '@basis/service-kit/test';
import { nginxHttpBlock } from './front.js';

import { leaseRedisDatabase } from './redis-lease.js';
import { type Replica, startReplica } from './replica.js';

/** The apps, in the order a rolling restart takes them (services first, the edge last). */
export const APPS = ['users', 'posts', 'gateway'] as const;
export type App = (typeof APPS)[number];
export type ReplicaName = `${App}-${'a' | 'b'}`;

/** Loopback addresses: nginx's front and one per service, and one per replica. */
export const ADDRESSES = {
  front: '127.0.0.10',
  'gateway-a': '127.0.0.11',
  'gateway-b': '127.0.0.12',
  usersLb: '127.0.0.20',
  'users-a': '127.0.0.21',
  'users-b': '127.0.0.22',
  postsLb: '127.0.0.30',
  'posts-a': '127.0.0.31',
  'posts-b': '127.0.0.32',
} as const;

/** Login attempts per minute per client IP (`RATE_LIMIT_LOGIN_PER_IP`), set low for the shared-limit test. */
export const LOGIN_LIMIT_PER_IP = 4;
/** `SHUTDOWN_DRAIN_MS` of every replica. */
export const DRAIN_MS = 1000;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const mainOf = (app: App) => join(ROOT, 'apps', app, 'dist', 'main.js');

/** What the replica test needs: a PostgreSQL admin URL, a Redis URL and the nginx binary. */
export interface ClusterOptions {
  /** A role allowed to CREATE DATABASE, e.g. postgres://postgres@127.0.0.1:5432/postgres. */
  postgresUrl: string;
  /** `REDIS_URL` without a database number. */
  redisUrl: string;
  nginx: string;
}

/** Two replicas of every app behind one nginx, with everything needed to restart one of them. */
export interface Cluster {
  /** Front URLs: both gateways (`lb`), gateway A only, gateway B only. */
  readonly front: { lb: string; a: string; b: string };
  readonly replicas: Record<ReplicaName, Replica>;
  /**
   * Stops one replica (SIGTERM, wait for the exit) and starts a fresh one on the same address and
   * port, waiting for its `/readyz` 200.
   * @returns the exit code, and the stop and start durations in ms
   * @throws when the replica does not start again
   */
  restart(name: ReplicaName): Promise<{ code: number | null; stopMs: number; startMs: number }>;
  /** nginx's access log so far, one line per request. */
  accessLog(): string;
  /** nginx's error log so far (warnings and errors: failed upstream attempts). */
  errorLog(): string;
  /** Stops every process, drops the databases, frees the Redis database, deletes the directory. */
  close(): Promise<void>;
}

const pem = (
  key: { export(options: { type: 'pkcs8' | 'spki'; format: 'pem' }): string | Buffer },
  type: 'pkcs8' | 'spki',
) => key.export({ type, format: 'pem' }).toString();

/** An ES256 key pair as PEM: the private half for `SERVICE_PRIVATE_KEY`, the public half for its callees. */
function serviceKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey: pem(privateKey, 'pkcs8'), publicKey: pem(publicKey, 'spki') };
}

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts the replica test's cluster from the built apps, with production configuration
 * (`NODE_ENV=production`, fresh ES256 service keys, a random 32-byte `JWT_SECRET`):
 * a fresh database per app on `postgresUrl` (dropped on close), one leased Redis database,
 * users A/B and posts A/B behind nginx's per-service upstreams, all four started at once (the
 * replicas of one app take turns migrating their fresh database), then gateways A/B (which reach
 * the services through nginx) behind nginx's front.
 * @throws when anything fails to start; what did start is stopped first
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'basis-replicas-'));
  const undo: (() => Promise<void>)[] = [async () => rmSync(dir, { recursive: true, force: true })];
  const replicas = {} as Record<ReplicaName, Replica>;
  let nginx: ChildProcess | undefined;
  const close = async () => {
    for (const replica of Object.values(replicas)) replica.kill();
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx?.once('exit', resolve));
      nginx.kill('SIGTERM');
      await exited;
    }
    for (const step of undo.reverse())
      await step().catch((error: unknown) => console.error('[replicas] cleanup:', error));
  };
  try {
    const usersDb = await createTemporaryDatabase(options.postgresUrl);
    undo.push(usersDb.drop);
    const postsDb = await createTemporaryDatabase(options.postgresUrl);
    undo.push(postsDb.drop);
    const redis = await leaseRedisDatabase(options.redisUrl);
    undo.push(redis.release);

    const port = Object.fromEntries(
      await Promise.all(
        (['gateway-a', 'gateway-b', 'users-a', 'users-b', 'posts-a', 'posts-b', 'usersLb', 'postsLb'] as const).map(
          async (name) => [name, await freePort(ADDRESSES[name])] as const,
        ),
      ),
    ) as Record<ReplicaName | 'usersLb' | 'postsLb', number>;
    const frontPorts = {
      lb: await freePort(ADDRESSES.front),
      a: await freePort(ADDRESSES.front),
      b: await freePort(ADDRESSES.front),
    };
    const at = (name: ReplicaName | 'usersLb' | 'postsLb') => `${ADDRESSES[name]}:${port[name]}`;

    const accessLog = join(dir, 'access.log');
    const conf = writeNginxConfig(
      dir,
      nginxHttpBlock({
        frontHost: ADDRESSES.front,
        frontPorts,
        gateways: { a: at('gateway-a'), b: at('gateway-b') },
        services: [
          { name: 'users', listen: at('usersLb'), a: at('users-a'), b: at('users-b') },
          { name: 'posts', listen: at('postsLb'), a: at('posts-a'), b: at('posts-b') },
        ],
        accessLog,
      }),
      { writtenBy: '@basis/e2e (replica test)' },
    );
    nginx = spawn(options.nginx, nginxArgs(dir, conf), { stdio: ['ignore', 'ignore', 'pipe'] });
    let nginxErrors = '';
    nginx.stderr?.on('data', (chunk: Buffer) => {
      nginxErrors += chunk.toString();
    });
    const nginxDeadline = Date.now() + 15_000;
    while (!(await listening(ADDRESSES.front, frontPorts.b))) {
      if (nginx.exitCode !== null || Date.now() > nginxDeadline) {
        throw new Error(`nginx did not start: ${nginxErrors}${readFileSync(join(dir, 'error.log'), 'utf8')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const users = serviceKeyPair();
    const posts = serviceKeyPair();
    const gateway = serviceKeyPair();
    const common = { NODE_ENV: 'production', LOG_LEVEL: 'warn', SHUTDOWN_DRAIN_MS: String(DRAIN_MS) };
    const envOf: Record<App, Record<string, string>> = {
      users: {
        ...common,
        DATABASE_URL: usersDb.url,
        SERVICE_PRIVATE_KEY: users.privateKey,
        GATEWAY_SERVICE_PUBLIC_KEY: gateway.publicKey,
        POSTS_SERVICE_PUBLIC_KEY: posts.publicKey,
        // Reuse of a rotated refresh token revokes the session at once (no concurrent-refresh grace).
        REFRESH_REUSE_INTERVAL_SECONDS: '0',
      },
      posts: {
        ...common,
        DATABASE_URL: postsDb.url,
        SERVICE_PRIVATE_KEY: posts.privateKey,
        GATEWAY_SERVICE_PUBLIC_KEY: gateway.publicKey,
        USERS_SERVICE_URL: `http://${at('usersLb')}`,
      },
      gateway: {
        ...common,
        JWT_SECRET: randomBytes(32).toString('hex'),
        SERVICE_PRIVATE_KEY: gateway.privateKey,
        USERS_SERVICE_URL: `http://${at('usersLb')}`,
        POSTS_SERVICE_URL: `http://${at('postsLb')}`,
        REDIS_URL: redis.url,
        TRUST_PROXY: ADDRESSES.front,
        RATE_LIMIT_LOGIN_PER_IP: String(LOGIN_LIMIT_PER_IP),
        RATE_LIMIT_REGISTER_PER_IP: '1000',
      },
    };
    const start = async (name: ReplicaName) => {
      const app = name.slice(0, name.indexOf('-')) as App;
      replicas[name] = await startReplica({
        name,
        main: mainOf(app),
        host: ADDRESSES[name],
        port: port[name],
        env: envOf[app],
      });
    };
    // Both replicas of an app at once, as a Deployment starts them: they take turns migrating the fresh database.
    await Promise.all((['users-a', 'users-b', 'posts-a', 'posts-b'] as const).map(start));
    await Promise.all([start('gateway-a'), start('gateway-b')]);

    const url = (p: number) => `http://${ADDRESSES.front}:${p}`;
    return {
      front: { lb: url(frontPorts.lb), a: url(frontPorts.a), b: url(frontPorts.b) },
      replicas,
      async restart(name) {
        const { code, ms: stopMs } = await replicas[name].stop();
        const started = performance.now();
        await start(name);
        return { code, stopMs, startMs: performance.now() - started };
      },
      accessLog: () => readFileSync(accessLog, 'utf8'),
      errorLog: () => readFileSync(join(dir, 'error.log'), 'utf8'),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
