/**
 * Whether this process exports traces, read by per-request code before it creates a span. Set once by
 * `startTracing` (tracing/index.ts); false while `OTEL_EXPORTER_OTLP_ENDPOINT` is unset, so that nothing
 * of OpenTelemetry's SDK is loaded and no span object is made.
 */
export const tracing = { enabled: false };
