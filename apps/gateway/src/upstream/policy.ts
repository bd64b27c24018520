import {
  type CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import { opensCircuit, toUpstreamFailure, type UpstreamFailure } from './errors.js';

/** Resilience settings for one upstream. */
export interface UpstreamPolicyOptions {
  /** Upstream name used in error messages, e.g. `users`. */
  service: string;
  /** Per-call timeout in milliseconds (`UPSTREAM_TIMEOUT_MS`). */
  timeoutMs: number;
  /** Consecutive 503/504-kind failures that open the circuit; 5 by default. */
  breakerThreshold?: number;
  /**
   * Milliseconds an open circuit waits before letting one trial call through; 1000 by default, so a
   * service that is back is used again within a second (an upstream's own 503, e.g. its database being
   * down, never opens the circuit: see `opensCircuit`).
   */
  halfOpenAfterMs?: number;
}

/** Runs upstream calls under a timeout and a circuit breaker, and maps every failure through the one table. */
export interface UpstreamPolicy {
  /**
   * Runs `fn` with an `AbortSignal` that fires after the timeout.
   * @param timeoutMs a shorter timeout for this call only (milliseconds); the policy's when unset or longer
   * @throws {UpstreamFailure} for every failure, already mapped (503/504/502/…)
   */
  execute<T>(fn: (signal: AbortSignal) => Promise<T>, timeoutMs?: number): Promise<T>;
  /** The breaker's state: `Open` while calls fail fast. */
  state(): CircuitState;
  /** Stops the breaker's timers. */
  dispose(): void;
}

/**
 * Builds the cockatiel policy for one upstream: an aggressive timeout (the call's signal
 * aborts and the caller gets a timeout at once) inside a consecutive-failure circuit breaker
 * that counts only "down or too slow" failures, never an upstream's deliberate 404 or 409.
 * @returns a policy whose `execute` throws only {@link UpstreamFailure}s
 */
export function createUpstreamPolicy(options: UpstreamPolicyOptions): UpstreamPolicy {
  const halfOpenAfterMs = options.halfOpenAfterMs ?? 1000;
  let openedAt = 0;
  const breaker = circuitBreaker(
    handleWhen((error) => opensCircuit(toUpstreamFailure(error, options.service))),
    { halfOpenAfter: halfOpenAfterMs, breaker: new ConsecutiveBreaker(options.breakerThreshold ?? 5) },
  );
  const onBreak = breaker.onBreak(() => {
    openedAt = Date.now();
  });
  // abortOnReturn off: the signal then fires only on timeout, which tells a timeout apart
  // from whatever error the aborted fetch raises (it may settle before cockatiel's own).
  const policy = wrap(
    breaker,
    timeout(options.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false }),
  );
  return {
    async execute(fn, timeoutMs) {
      const shorter = timeoutMs !== undefined && timeoutMs < options.timeoutMs ? timeoutMs : undefined;
      try {
        return await policy.execute(async ({ signal: policySignal }) => {
          // A shorter per-call timeout aborts as aggressively as the policy's own.
          const own = shorter === undefined ? undefined : AbortSignal.timeout(shorter);
          const signal = own ? AbortSignal.any([policySignal, own]) : policySignal;
          try {
            if (!own) return await fn(signal);
            const expired = new Promise<never>((_, reject) => {
              own.addEventListener('abort', () => reject(own.reason), { once: true });
            });
            return await Promise.race([fn(signal), expired]);
          } catch (error) {
            throw signal.aborted ? new TaskCancelledError(`Timed out after ${shorter ?? options.timeoutMs} ms`) : error;
          }
        });
      } catch (error) {
        const untilHalfOpenSeconds = Math.ceil((openedAt + halfOpenAfterMs - Date.now()) / 1000);
        throw toUpstreamFailure(error, options.service, untilHalfOpenSeconds) satisfies UpstreamFailure;
      }
    },
    state: () => breaker.state,
    dispose: () => onBreak.dispose(),
  };
}
