import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The built entries the stack runs; turbo's `test` task builds them first (`dependsOn: ["^build"]`). */
const ENTRIES = {
  users: fileURLToPath(new URL('../../apps/users/dist/main.js', import.meta.url)),
  posts: fileURLToPath(new URL('../../apps/posts/dist/main.js', import.meta.url)),
  gateway: fileURLToPath(new URL('../../apps/gateway/dist/main.js', import.meta.url)),
} as const;

/** A service started from its built `dist/main.js`. */
export interface ServiceProcess {
  name: string;
  url: string;
  /** Everything it printed so far, for failure messages. */
  output(): string;
  /** False once the process has exited. */
  running(): boolean;
  /** SIGTERM, SIGKILL after 5 s; resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * A TCP port that was free a moment ago on 127.0.0.1.
 * @returns the port number
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `node apps/<app>/dist/main.js` on 127.0.0.1 with the given variables on top of this
 * process's environment, minus the ones that would point it at shared infrastructure
 * (`DATABASE_URL`, `REDIS_URL`). Does not wait for it: see {@link waitForOk}.
 * @param app which service
 * @param port the port it listens on
 * @param env its configuration, e.g. `{ PGLITE_DATA_DIR: 'memory://' }`
 * @throws when the service is not built
 */
export function startService(app: keyof typeof ENTRIES, port: number, env: Record<string, string>): ServiceProcess {
  const entry = ENTRIES[app];
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  const { DATABASE_URL: _database, REDIS_URL: _redis, ...inherited } = process.env;
  const child: ChildProcess = spawn(process.execPath, [entry], {
    env: { ...inherited, NODE_ENV: 'test', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name: app,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    running: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Polls `GET <service.url><path>` until it answers 200.
 * @param service the process to poll (its output goes into the error on failure)
 * @param path e.g. `/readyz`
 * @param timeoutMs how long to keep trying, in milliseconds
 * @throws when no 200 came in time
 */
export async function waitForOk(service: ServiceProcess, path: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!service.running()) throw new Error(`${service.name} exited before ${path} answered 200:\n${service.output()}`);
    try {
      const response = await fetch(`${service.url}${path}`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
      last = `${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${service.name} ${path} not 200 after ${timeoutMs} ms (last: ${last}):\n${service.output()}`);
}

/**
 * Waits until a gateway's `/readyz` reports an upstream service `up`.
 * @param service a running gateway
 * @param upstream the service's name, e.g. `users`
 * @throws when it is not reported up within `timeoutMs`
 */
export async function waitForUpstream(service: ServiceProcess, upstream: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!service.running()) throw new Error(`${service.name} exited:\n${service.output()}`);
    try {
      const response = await fetch(`${service.url}/readyz`, { signal: AbortSignal.timeout(2000) });
      const body = (await response.json()) as { upstreams?: Record<string, { state?: string }> };
      last = body.upstreams?.[upstream]?.state ?? `${response.status}`;
      if (last === 'up') return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `${service.name} did not report ${upstream} up in ${timeoutMs} ms (last: ${last}):\n${service.output()}`,
  );
}
