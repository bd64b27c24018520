import autocannon from 'autocannon';

/** One HTTP load: where, how hard, for how long, and what each request looks like. */
export interface LoadSpec {
  /** Short id used in the table and JSON, e.g. `a-users-direct`. */
  readonly id: string;
  readonly title: string;
  /** Origin on 127.0.0.1, e.g. `http://127.0.0.1:8002`. */
  readonly origin: string;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly method: 'GET' | 'POST';
  /** Called before every request: the path (and query) to hit. */
  readonly path: () => string;
  /** Called before every request: its headers. */
  readonly headers: () => Record<string, string>;
  /** Called before every request: its body, when it has one. */
  readonly body?: () => string;
}

/** What one load measured. Latencies are in milliseconds, over 2xx responses only. */
export interface LoadResult {
  readonly id: string;
  readonly title: string;
  readonly connections: number;
  readonly durationSeconds: number;
  /** 2xx responses per second over the run. */
  readonly requestsPerSecond: number;
  readonly ok: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  /** non-2xx responses + connection errors (autocannon's `errors` already includes timeouts). */
  readonly errors: number;
  readonly non2xx: number;
  readonly connectionErrors: number;
  readonly timeouts: number;
  readonly statusCodes: Record<string, number>;
  /** CPU time (user + system) each process spent per 2xx response, in µs, when measured. */
  readonly cpuUsPerRequest?: Readonly<Record<string, number>>;
}

/**
 * Sub-millisecond latency recorder. autocannon's own histogram keeps whole milliseconds
 * (`lowestDiscernibleValue: 1`, integer recording), too coarse for "added median ≤ 1 ms",
 * so every 2xx response time from its `response` event is kept here as a float.
 */
class LatencyRecorder {
  private values = new Float64Array(1 << 16);
  private count = 0;

  /** Adds one latency in milliseconds. */
  record(ms: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = ms;
  }

  /** @returns the nearest-rank percentiles asked for, in ms (NaN when nothing was recorded). */
  percentiles(...ps: number[]): number[] {
    const sorted = this.values.slice(0, this.count).sort();
    return ps.map((p) => {
      if (sorted.length === 0) return Number.NaN;
      const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
      return sorted[rank] ?? Number.NaN;
    });
  }

  get size(): number {
    return this.count;
  }
}

/**
 * Runs one autocannon load (in this process) and measures it.
 * @returns the result; latencies with sub-millisecond precision.
 * @throws when autocannon cannot start (bad options).
 */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const recorder = new LatencyRecorder();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.origin,
        title: spec.id,
        connections: spec.connections,
        duration: spec.durationSeconds,
        pipelining: 1,
        timeout: 10,
        requests: [
          {
            method: spec.method,
            setupRequest: (req) => ({
              ...req,
              path: spec.path(),
              headers: spec.headers(),
              ...(spec.body === undefined ? {} : { body: spec.body() }),
            }),
          },
        ],
      },
      (error: Error | null, result) => {
        if (error) {
          reject(error);
          return;
        }
        const [p50 = Number.NaN, p90 = Number.NaN, p99 = Number.NaN, max = Number.NaN] = recorder.percentiles(
          50,
          90,
          99,
          100,
        );
        const statusCodes: Record<string, number> = {};
        for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
        resolve({
          id: spec.id,
          title: spec.title,
          connections: spec.connections,
          durationSeconds: result.duration,
          requestsPerSecond: recorder.size / result.duration,
          ok: recorder.size,
          p50,
          p90,
          p99,
          max,
          errors: result.non2xx + result.errors,
          non2xx: result.non2xx,
          connectionErrors: result.errors - result.timeouts,
          timeouts: result.timeouts,
          statusCodes,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) recorder.record(responseTime);
    });
  });
}

/** Runs two loads at the same time (e.g. reads during a login storm). */
export async function runConcurrently(first: LoadSpec, second: LoadSpec): Promise<[LoadResult, LoadResult]> {
  return Promise.all([runLoad(first), runLoad(second)]);
}
