import { Agent } from 'node:http';
import { call } from './http.js';

/** One request of the steady load: what was asked, in which phase, and what came back. */
export interface Outcome {
  phase: string;
  path: string;
  /** The HTTP status, or the error code when no answer came (`ECONNRESET`, `ETIMEDOUT`, …). */
  status: number | string;
  /** nginx's `x-basis-upstream`: the gateway(s) tried, two when nginx retried. */
  upstream: string;
}

/** A running load; `stop()` ends it after the requests in flight and returns every outcome. */
export interface SteadyLoad {
  /** Labels the requests sent from now on. */
  setPhase(phase: string): void;
  stop(): Promise<Outcome[]>;
}

/** What {@link startSteadyLoad} sends. */
export interface LoadSpec {
  /** The front URL, e.g. `http://127.0.0.10:4567`. */
  origin: string;
  connections: number;
  /** The paths taken in turn by each connection. */
  paths: string[];
  headers: Record<string, string>;
  /** The client's loopback address. */
  localAddress: string;
  /** Milliseconds each connection waits between an answer and its next request (0: none). */
  pauseMs?: number;
}

/**
 * Starts `connections` workers, each on its own keep-alive connection, each sending one request at
 * a time (the next `pauseMs` after the answer is read), through the paths in turn, until `stop()`.
 * Every request is recorded: an error without an answer is an outcome too (a failure).
 */
export function startSteadyLoad(spec: LoadSpec): SteadyLoad {
  const agent = new Agent({
    keepAlive: true,
    maxSockets: spec.connections,
    localAddress: spec.localAddress,
  });
  const outcomes: Outcome[] = [];
  let phase = 'before';
  let running = true;
  const worker = async (index: number) => {
    let turn = index;
    while (running) {
      const path = spec.paths[turn++ % spec.paths.length] ?? '/';
      const sentIn = phase;
      try {
        const answer = await call('GET', `${spec.origin}${path}`, { headers: spec.headers, agent, timeoutMs: 20_000 });
        const upstream = answer.headers['x-basis-upstream'];
        outcomes.push({ phase: sentIn, path, status: answer.status, upstream: String(upstream ?? '') });
      } catch (error) {
        const code = (error as { code?: string }).code ?? (error as Error).name;
        outcomes.push({ phase: sentIn, path, status: code, upstream: '' });
      }
      if (spec.pauseMs) await new Promise((resolve) => setTimeout(resolve, spec.pauseMs));
    }
  };
  const workers = Promise.all(Array.from({ length: spec.connections }, (_, index) => worker(index)));
  return {
    setPhase(next) {
      phase = next;
    },
    async stop() {
      running = false;
      await workers;
      agent.destroy();
      return outcomes;
    },
  };
}
