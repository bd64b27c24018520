import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@basis/service-kit/test';

const run = promisify(execFile);

/** A PostgreSQL cluster of the test's own (never the machine's 5432), on a free loopback port. */
export interface PrivatePostgres extends AsyncDisposable {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  /** `pg_ctl stop -m fast`: open connections are terminated, new ones refused. */
  stop(): Promise<void>;
  /** `pg_ctl start -w`: resolves once it accepts connections. */
  start(): Promise<void>;
}

/** Whether `initdb` and `pg_ctl` are on the PATH; suites skip with a message otherwise. */
export async function hasPostgresBinaries(): Promise<boolean> {
  try {
    await run('initdb', ['--version']);
    await run('pg_ctl', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates a cluster with `initdb` in a temporary directory (as user `postgres` when running as root,
 * since PostgreSQL refuses to run as root), trust authentication, listening on 127.0.0.1 only, and starts it.
 * @returns the running cluster; dispose stops it and deletes the directory
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'basis-pg-'));
  const asRoot = process.getuid?.() === 0;
  const pg = async (command: string, args: string[]) => {
    if (!asRoot) return run(command, args, { timeout: 60_000 });
    return run('runuser', ['-u', 'postgres', '--', command, ...args], { timeout: 60_000 });
  };
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  await chmod(dir, 0o700);
  const data = join(dir, 'data');
  const port = await freePort();
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -h 127.0.0.1 -k ${dir} -c fsync=off -c max_connections=50`;
  const start = async () => {
    await pg('pg_ctl', ['start', '-D', data, '-w', '-l', join(dir, 'log'), '-o', options]);
  };
  const stop = async () => {
    await pg('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w']);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop,
    start,
    [Symbol.asyncDispose]: async () => {
      await stop().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}
