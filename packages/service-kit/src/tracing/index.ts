import { type Attributes, type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import { tracing } from './state.js';

/**
 * `@basis/service-kit/tracing`: OpenTelemetry tracing for every Basis app, off unless
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is set. This entry imports only `@opentelemetry/api` (a few kB, no-op
 * without an SDK); the SDK, the OTLP exporter and the instrumentations are loaded by {@link startTracing}
 * only when tracing is on.
 */

/** The variables {@link startTracing} reads from an app's parsed environment (the kit's `serverEnv` declares both). */
export interface TracingEnv {
  /** OTLP/HTTP base URL (e.g. `http://jaeger:4318`); spans go to `<url>/v1/traces`. Unset: tracing off. */
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  /** The `service.name` of every span; the app's own name when unset. */
  OTEL_SERVICE_NAME?: string | undefined;
}

/** Whether {@link startTracing} turned tracing on in this process. Per-request code checks it before making a span. */
export function tracingEnabled(): boolean {
  return tracing.enabled;
}

let shutdown: (() => Promise<void>) | undefined;

/**
 * Starts tracing for this process when `env.OTEL_EXPORTER_OTLP_ENDPOINT` is set, else does nothing
 * (the SDK is not even loaded). Call it first in `main.ts`, before the Fastify server is built: spans
 * are made for every Fastify route (`@fastify/otel`, which accepts W3C `traceparent`), every outgoing
 * undici/fetch call (which sends `traceparent`), and every database query (db/instrument.ts), and are
 * exported in batches over OTLP/HTTP (JSON). The SDK also honours the standard `OTEL_BSP_*` and
 * `OTEL_TRACES_SAMPLER*` variables. Calling it again is a no-op.
 * @param name the app's name (`gateway`, `users`), the `service.name` unless `OTEL_SERVICE_NAME` is set
 * @param env the app's parsed environment
 * @param options.untracedPaths request paths neither traced when served nor when called (besides
 *   `/healthz`, `/readyz`, `/metrics`): procedures polled on a timer, e.g. `/trpc/events.feed`, on both sides
 * @returns whether tracing is on
 * @see https://opentelemetry.io/docs/specs/otel/protocol/exporter/ (endpoint, `/v1/traces`)
 * @see https://www.w3.org/TR/trace-context/
 */
export async function startTracing(
  name: string,
  env: TracingEnv,
  options: { untracedPaths?: readonly string[] } = {},
): Promise<boolean> {
  if (tracing.enabled) return true;
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return false;
  const { startSdk } = await import('./sdk.js');
  shutdown = startSdk({
    serviceName: env.OTEL_SERVICE_NAME ?? name,
    endpoint,
    untracedPaths: options.untracedPaths ?? [],
  });
  tracing.enabled = true;
  return true;
}

/** Exports the spans still buffered and stops the SDK; a no-op when tracing is off. Call it last on shutdown. */
export async function stopTracing(): Promise<void> {
  const stop = shutdown;
  shutdown = undefined;
  tracing.enabled = false;
  await stop?.();
}

/**
 * Runs `fn` inside a new active span (children made during `fn` hang under it), ends the span when
 * `fn` settles, and marks it as an error (with the error's name) when `fn` rejects. Only call it when {@link tracingEnabled}.
 * @param name the span's name
 * @param attributes set on the span at start
 * @param fn the work; it may set more attributes on the span
 * @returns what `fn` returns
 * @throws what `fn` throws
 */
export function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return trace.getTracer('@basis/service-kit').startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      // The error's name only: messages may quote inputs.
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
      throw error;
    } finally {
      span.end();
    }
  });
}
