import { createConnection } from 'node:net';
import { findNginx } from '@basis/nginx';
import { Redis } from 'ioredis';

/** What the replica test runs against, or why it cannot run here. */
export type Prerequisites =
  | { ok: true; postgresUrl: string; redisUrl: string; nginx: string }
  | { ok: false; reason: string };

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port, timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Checks what the replica test needs, as `.ci/run` provides it: `TEST_DATABASE_URL` (a PostgreSQL
 * server, reachable), `REDIS_URL` (answering PING) and Debian's nginx (installed by .ci/run's system
 * packages step).
 * @param env usually `process.env`
 * @returns the URLs and the nginx path, or the first missing piece, worded for a skip message
 */
export async function checkPrerequisites(env: Record<string, string | undefined>): Promise<Prerequisites> {
  const postgresUrl = env.TEST_DATABASE_URL;
  if (!postgresUrl) return { ok: false, reason: 'TEST_DATABASE_URL is not set (a PostgreSQL server, as .ci/run sets)' };
  const pg = new URL(postgresUrl);
  if (!(await reachable(pg.hostname, Number(pg.port || 5432)))) {
    return { ok: false, reason: `PostgreSQL is not reachable at ${pg.host}` };
  }
  const redisUrl = env.REDIS_URL;
  if (!redisUrl) return { ok: false, reason: 'REDIS_URL is not set (a Redis server, as .ci/run sets)' };
  if (!(await redisAnswers(redisUrl)))
    return { ok: false, reason: `Redis does not answer at ${new URL(redisUrl).host}` };
  const nginx = findNginx();
  if (nginx === null) return { ok: false, reason: 'nginx is not installed (apt-get install nginx, as .ci/run does)' };
  return { ok: true, postgresUrl, redisUrl, nginx };
}
