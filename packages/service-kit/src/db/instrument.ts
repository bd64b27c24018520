import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { PgPreparedQuery } from 'drizzle-orm/pg-core';
import { tracing } from '../tracing/state.js';
import { queryStats } from './stats.js';

type QueryWithCache = (queryString: string, params: unknown[], query: () => Promise<unknown>) => Promise<unknown>;

/** The SQL verb a query starts with (`SELECT`, `INSERT`, …), the span's name. */
function verbOf(queryString: string): string {
  return /^\s*([A-Za-z]+)/.exec(queryString)?.[1]?.toUpperCase() ?? 'SQL';
}

/**
 * Hooks every database query made through drizzle, once per process: counts it in {@link queryStats}
 * (in flight, succeeded or failed, seconds) and, while tracing is on and a span is active, wraps it in a CLIENT span
 * (`db.system.name` postgresql, `db.query.text` with placeholders, never the values). postgres.js has no
 * OpenTelemetry instrumentation and drizzle's own `tracer` is a stub that never loads the API, so the
 * hook is drizzle's `queryWithCache`, which every PostgreSQL driver's prepared query (postgres.js and
 * PGlite, transactions included) runs each statement through.
 * @throws when drizzle-orm no longer has that method (an upgrade changed it: fix this hook)
 * @see https://opentelemetry.io/docs/specs/semconv/database/database-spans/
 */
function hookQueries(): void {
  const prototype = PgPreparedQuery.prototype as unknown as { queryWithCache?: QueryWithCache };
  const original = prototype.queryWithCache;
  if (typeof original !== 'function') {
    throw new Error(
      'drizzle-orm has no PgPreparedQuery.queryWithCache: update packages/service-kit/src/db/instrument.ts',
    );
  }
  const counted = async function (
    this: unknown,
    queryString: string,
    params: unknown[],
    query: () => Promise<unknown>,
  ) {
    const started = performance.now();
    queryStats.inFlight += 1;
    let ok = false;
    try {
      const result = await original.call(this, queryString, params, query);
      ok = true;
      return result;
    } finally {
      queryStats.inFlight -= 1;
      queryStats.seconds += (performance.now() - started) / 1000;
      if (ok) queryStats.succeeded += 1;
      else queryStats.failed += 1;
    }
  };
  prototype.queryWithCache = function (this: unknown, queryString, params, query) {
    // Only inside a trace (a request, a traced call): a probe's `select 1` starts none of its own.
    if (!tracing.enabled || trace.getSpan(context.active()) === undefined) {
      return counted.call(this, queryString, params, query);
    }
    const attributes = { 'db.system.name': 'postgresql', 'db.query.text': queryString };
    return trace
      .getTracer('@basis/service-kit')
      .startActiveSpan(verbOf(queryString), { kind: SpanKind.CLIENT, attributes }, async (span) => {
        try {
          return await counted.call(this, queryString, params, query);
        } catch (error) {
          // drizzle's message holds the parameters (emails, hashes): only the SQLSTATE goes out.
          const code = (error as { cause?: { code?: unknown } }).cause?.code;
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: typeof code === 'string' ? `SQLSTATE ${code}` : 'query failed',
          });
          throw error;
        } finally {
          span.end();
        }
      });
  };
}

hookQueries();
