import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { call } from './http.js';

/** One running replica: a built app (`apps/<app>/dist/main.js`) on its own address and port. */
export interface Replica {
  /** e.g. `users-a`. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** The last 20 000 characters the process wrote (stdout and stderr). */
  output(): string;
  /**
   * Sends SIGTERM and waits for the exit (SIGKILL after `graceMs`, default 15 000).
   * @returns the exit code (null when killed by a signal) and the milliseconds from the signal to the exit
   */
  stop(graceMs?: number): Promise<{ code: number | null; ms: number }>;
  /** SIGKILL if still running (cleanup after a failure); synchronous. */
  kill(): void;
}

/** What {@link startReplica} runs. */
export interface ReplicaSpec {
  name: string;
  /** Absolute path of the built entry. */
  main: string;
  host: string;
  port: number;
  /** The app's variables; the child gets these plus PATH, HOME, HOST and PORT, nothing else inherited. */
  env: Record<string, string>;
  /** How long to wait for `/readyz` 200, in ms; 120 000 by default (a loaded 2-core machine). */
  readyTimeoutMs?: number;
}

const OUTPUT_LIMIT = 20_000;

/**
 * Spawns `node <main>` with exactly the given environment, in the app's directory, and polls
 * `http://<host>:<port>/readyz` every 50 ms until it answers 200.
 * @returns the running replica
 * @throws when `main` is missing (build first), the process exits first, or it is not ready in time
 *   (then it is killed); the message carries the tail of its output
 */
export async function startReplica(spec: ReplicaSpec): Promise<Replica> {
  if (!existsSync(spec.main)) throw new Error(`${spec.main} is missing: run \`npm run build\` first`);
  const child: ChildProcess = spawn(process.execPath, [spec.main], {
    cwd: dirname(dirname(spec.main)),
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      ...spec.env,
      HOST: spec.host,
      PORT: String(spec.port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://${spec.host}:${spec.port}`;
  const deadline = Date.now() + (spec.readyTimeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${spec.name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output}`);
    }
    const status = await call('GET', `${url}/readyz`, { timeoutMs: 2000 }).then(
      (answer) => answer.status,
      () => 0,
    );
    if (status === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${spec.name} was not ready on ${url} in time (last /readyz ${status}):\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (child.pid === undefined) throw new Error(`${spec.name} has no pid`);
  return {
    name: spec.name,
    host: spec.host,
    port: spec.port,
    url,
    pid: child.pid,
    output: () => output,
    async stop(graceMs = 15_000) {
      const started = performance.now();
      if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, ms: 0 };
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return { code, ms: performance.now() - started };
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
