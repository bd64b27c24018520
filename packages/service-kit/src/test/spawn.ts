import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort, randomLoopbackHost } from './ports.js';

/** A service running as a child process on its own port. */
export interface SpawnedService extends AsyncDisposable {
  /** `http://<host>:<port>` */
  url: string;
  /** The loopback address it listens on (its own: see {@link SpawnOptions.host}). */
  host: string;
  port: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** The exit code once the process has exited, else `null`. */
  exitCode(): number | null;
  /** Sends `signal` to the process and returns at once (to test signal handling; `stop()` to end it). */
  signal(signal: NodeJS.Signals): void;
  /** Resolves with the exit code once the process has exited (`null` when a signal ended it). */
  exited(): Promise<number | null>;
  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the process at once (SIGKILL: no shutdown hook runs, as in a crash) and waits for it to exit. */
  kill(): Promise<void>;
}

/** What {@link spawnService} runs. */
export interface SpawnOptions {
  /** Absolute path of the built entry, e.g. `apps/posts/dist/main.js`. */
  main: string;
  /** Variables on top of the inherited environment (minus `DATABASE_URL`) and the defaults below. */
  env?: Record<string, string>;
  /** The path polled until it answers 2xx; default `/readyz`. */
  readyPath?: string;
  /** How long to wait for it, in milliseconds; default 30 000. */
  timeoutMs?: number;
  /** Working directory; default the current one. */
  cwd?: string;
  /** Node options before `main`, e.g. `['--import', 'tsx']` to run a `src/main.ts` unbuilt. */
  nodeArgs?: string[];
  /**
   * The loopback address to listen on; by default a random one of 127.0.0.0/8 ({@link randomLoopbackHost}),
   * so that no other test's process can take this service's place while it restarts.
   */
  host?: string;
  /** The port to listen on (to restart a service where its callers expect it, with its `host`); a free one by default. */
  port?: number;
}

async function waitUntilReady(
  url: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url} exited (${child.exitCode}):\n${output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} did not answer 2xx in ${timeoutMs} ms:\n${output()}`);
}

/**
 * Starts `node [nodeArgs] <main>` on a free port of its own loopback address (`host`) with `NODE_ENV=test`, `LOG_LEVEL=warn`, PGlite in
 * memory (`PGLITE_DATA_DIR=memory://`, any inherited `DATABASE_URL` dropped) and `env` on top, and
 * waits until `readyPath` answers 2xx.
 * @param options see {@link SpawnOptions}
 * @returns the running service; dispose or `stop()` it
 * @throws when `main` is missing (build first), or the process exits or is not ready in time
 */
export async function spawnService(options: SpawnOptions): Promise<SpawnedService> {
  const { main, readyPath = '/readyz', timeoutMs = 30_000 } = options;
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npx turbo build\` first`);
  const host = options.host ?? randomLoopbackHost();
  const port = options.port ?? (await freePort(host));
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), main], {
    cwd: options.cwd,
    env: {
      ...inherited,
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: host,
      PGLITE_DATA_DIR: 'memory://',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const url = `http://${host}:${port}`;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  try {
    await waitUntilReady(`${url}${readyPath}`, child, () => output, timeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    host,
    port,
    output: () => output,
    exitCode: () => child.exitCode,
    signal: (signal) => void child.kill(signal),
    exited: () => exited,
    stop,
    kill,
    [Symbol.asyncDispose]: stop,
  };
}
