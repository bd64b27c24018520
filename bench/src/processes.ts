import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** Every child this process started and has not yet reaped; `stopAll` ends them. */
const children = new Set<ChildProcess>();

/** A child process the harness started, with how long it took to become ready. */
export interface RunningProcess {
  readonly name: string;
  readonly pid: number;
  /** Milliseconds from `spawn()` to the first 200 on the readiness URL. */
  readonly readyMs: number;
  /** File that holds the child's stdout and stderr. */
  readonly logFile: string;
  /** Sends SIGTERM, waits up to `graceMs` (default 5000) for exit, then SIGKILL. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** What to start and how to tell that it is ready. */
export interface StartSpec {
  readonly name: string;
  /** Executable (absolute path or a name on PATH). */
  readonly command: string;
  readonly args: readonly string[];
  /** The child's whole environment (nothing is inherited but what is listed here). */
  readonly env: Readonly<Record<string, string>>;
  /** URL polled with GET until it answers 200. Must be on 127.0.0.1. */
  readonly readyUrl: string;
  readonly readyTimeoutMs: number;
  readonly logFile: string;
  readonly cwd?: string;
}

/**
 * Finds a TCP port that is free on 127.0.0.1 right now (the OS picks it).
 * @returns the port number; another process could take it before it is used (small race).
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the address of a probe socket'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/**
 * One GET with plain node:http (no keep-alive, no lazily loaded fetch stack that would skew a
 * start-up timing).
 * @returns the status code, or 0 when the connection failed or `timeoutMs` passed.
 */
export function httpStatus(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** The last `maxBytes` of a log file, for error messages. */
export function logTail(file: string, maxBytes = 4000): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.length > maxBytes ? `…${text.slice(-maxBytes)}` : text;
  } catch {
    return '(no log)';
  }
}

/**
 * Spawns a process with exactly `spec.env`, its output going to `spec.logFile`, and polls
 * `spec.readyUrl` every 10 ms until it answers 200.
 * @returns the running process with its start-to-ready time in milliseconds.
 * @throws if the child exits before it is ready, or is not ready within `readyTimeoutMs`
 *   (the child is stopped first; the error carries the tail of its log).
 */
export async function startProcess(spec: StartSpec): Promise<RunningProcess> {
  const out = openSync(spec.logFile, 'a');
  const started = performance.now();
  const child = spawn(spec.command, [...spec.args], {
    env: { ...spec.env },
    cwd: spec.cwd,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  children.add(child);
  let exited: string | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = `exited with ${signal ?? `code ${code}`}`;
      children.delete(child);
      resolve();
    });
    child.once('error', (error) => {
      exited = `failed to start: ${error.message}`;
      children.delete(child);
      resolve();
    });
  });

  const stop = async (graceMs = 5000): Promise<void> => {
    if (exited !== null || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timedOut = await Promise.race([exitPromise.then(() => false), sleep(graceMs).then(() => true)]);
    if (timedOut) {
      child.kill('SIGKILL');
      await exitPromise;
    }
  };

  const deadline = started + spec.readyTimeoutMs;
  for (;;) {
    if (exited !== null) {
      throw new Error(`${spec.name} ${exited} before it was ready; log ${spec.logFile}:\n${logTail(spec.logFile)}`);
    }
    const status = await httpStatus(spec.readyUrl, 1000);
    if (status === 200) break;
    if (performance.now() > deadline) {
      await stop(1000);
      throw new Error(
        `${spec.name} was not ready within ${spec.readyTimeoutMs} ms (last status ${status}); log ${spec.logFile}:\n${logTail(spec.logFile)}`,
      );
    }
    await sleep(10);
  }
  const readyMs = performance.now() - started;
  if (child.pid === undefined) throw new Error(`${spec.name} has no pid`);
  return { name: spec.name, pid: child.pid, readyMs, logFile: spec.logFile, stop };
}

/** Sends SIGKILL to every child still alive, synchronously (for `process.on('exit')`). */
export function killAllNow(): void {
  for (const child of children) child.kill('SIGKILL');
}

/** Resident memory of a process, from `/proc/<pid>/status`, in kibibytes. */
export interface MemorySample {
  /** VmRSS: resident now. */
  readonly rssKb: number;
  /** VmHWM: the peak resident size since the process started, or since {@link resetPeakMemory}. */
  readonly hwmKb: number;
  /** Which span VmHWM covers: `load` when it was reset when the watch began, else the process's `life`. */
  readonly hwmScope?: 'load' | 'life';
}

/**
 * Resets `pid`'s VmHWM to its current VmRSS (writes `5` to `/proc/<pid>/clear_refs`, Linux ≥ 4.0), so the
 * next VmHWM is the peak of what follows: a load's own peak rather than one left by an earlier load.
 * @returns whether it could (false without Linux or the permission)
 * @see https://www.kernel.org/doc/html/latest/filesystems/proc.html (clear_refs)
 */
export function resetPeakMemory(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads VmRSS and VmHWM of `pid` (Linux only).
 * @returns the sample, or null when the process is gone or the fields are missing.
 */
export function sampleMemory(pid: number): MemorySample | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const field = (name: string): number | null => {
    const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return match?.[1] === undefined ? null : Number(match[1]);
  };
  const rssKb = field('VmRSS');
  const hwmKb = field('VmHWM');
  return rssKb === null || hwmKb === null ? null : { rssKb, hwmKb };
}

/**
 * Samples `pid`'s memory every `intervalMs` until `stop()` is called, after resetting its VmHWM
 * ({@link resetPeakMemory}) so that VmHWM is the peak of the watched span when the system allows it.
 * @returns `stop`, which resolves to the largest VmRSS seen, the VmHWM read last (kB) and its scope.
 */
export function watchMemory(pid: number, intervalMs = 100): { stop(): MemorySample } {
  const hwmScope = resetPeakMemory(pid) ? 'load' : 'life';
  let maxRss = 0;
  let hwm = 0;
  const take = (): void => {
    const sample = sampleMemory(pid);
    if (sample === null) return;
    maxRss = Math.max(maxRss, sample.rssKb);
    hwm = Math.max(hwm, sample.hwmKb);
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { rssKb: maxRss, hwmKb: hwm, hwmScope };
    },
  };
}

/**
 * Runs a command to completion with inherited stdio (or `stdio: 'ignore'`).
 * @returns its exit code (signal deaths are reported as 1).
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; quiet?: boolean } = {},
): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: options.quiet === true ? 'ignore' : 'inherit',
    });
    children.add(child);
    child.once('error', () => {
      children.delete(child);
      resolve(127);
    });
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code ?? 1);
    });
  });
}

const TICK_MS = 10; // USER_HZ is 100 on Linux (getconf CLK_TCK)

function ownCpuMs(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after "(comm)": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime …
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) * TICK_MS : null;
}

/**
 * CPU time (user + system) a process and its live direct children (an nginx master's workers)
 * have used so far, from `/proc/<pid>/stat`, in milliseconds with 10 ms resolution.
 * @returns null when the process is gone.
 */
export function cpuTimeMs(pid: number): number | null {
  const own = ownCpuMs(pid);
  if (own === null) return null;
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    // no children file: count the process alone
  }
  return children.reduce((sum, child) => sum + (ownCpuMs(child) ?? 0), own);
}
