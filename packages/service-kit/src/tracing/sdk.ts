import { FastifyOtelInstrumentation } from '@fastify/otel';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/** Routes that are probes or scrapes, not work: no span for them, on either side of a call. */
const UNTRACED_PATHS = /^\/(?:healthz|readyz|metrics)(?:[/?]|$)/;

/**
 * Whether a request path (query included) is left untraced: a probe, a scrape, or one of `extra` (paths
 * such as `/trpc/events.feed`, polled on a timer: a root trace every poll would bury the real ones).
 */
function untraced(path: string, extra: readonly string[]): boolean {
  return (
    UNTRACED_PATHS.test(path) ||
    extra.some((prefix) => path === prefix || path.startsWith(`${prefix}?`) || path.startsWith(`${prefix}/`))
  );
}

/**
 * Registers the tracer provider (AsyncLocalStorage context, W3C trace-context propagator), a batch
 * span processor exporting OTLP/HTTP JSON to `<endpoint>/v1/traces`, and the instrumentations: undici
 * (global fetch and undici's own API, through diagnostics channels: outgoing calls carry
 * `traceparent`) and `@fastify/otel`, which joins every Fastify instance built afterwards (the
 * `fastify.initialization` diagnostics channel) and makes a SERVER span per request, continuing an
 * incoming `traceparent`. Loaded only by `startTracing` (index.ts).
 * @returns a function that flushes and stops everything
 */
export function startSdk(options: {
  serviceName: string;
  endpoint: string;
  untracedPaths: readonly string[];
}): () => Promise<void> {
  const { untracedPaths } = options;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/$/, '')}/v1/traces` })),
    ],
  });
  provider.register();
  const instrumentations = [
    new UndiciInstrumentation({
      ignoreRequestHook: (request) => untraced(request.path, untracedPaths),
    }),
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      // One span per request, the route's: none per hook or for the handler, which runs in the route
      // span's context all the same (issue-12-tracing.test.ts checks the links); half the spans, for the
      // same trace. Errors set the span's status, without an exception event carrying a stack.
      instrumentHooks: false,
      instrumentHandler: false,
      recordExceptions: false,
      ignorePaths: ({ url }) => untraced(url, untracedPaths),
      requestHook: (span, request) => {
        // `request` by default; the route template names it (`POST /api/v1/posts`, `GET /trpc/:path`).
        span.updateName(`${request.method} ${request.routeOptions.url ?? 'unmatched'}`);
        // A tRPC call's procedure path(s): an attribute, not the name, so names stay few.
        if (request.routeOptions.url?.startsWith('/trpc/')) {
          const path = request.url.slice(request.url.indexOf('/trpc/') + 6).split('?')[0] ?? '';
          span.setAttribute('rpc.method', decodeURIComponent(path));
        }
      },
    }),
  ];
  return async () => {
    for (const instrumentation of instrumentations) instrumentation.disable();
    await provider.shutdown();
  };
}
