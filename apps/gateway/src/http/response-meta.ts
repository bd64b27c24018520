import type { TRPCError } from '@trpc/server';
import { TooManyRequestsError } from '../auth/rate-limit.js';
import { BearerChallenge } from '../trpc.js';
import { UpstreamFailure } from '../upstream/errors.js';

type Headers = Record<string, string>;

/**
 * Headers an error response must carry: `Retry-After` (seconds) on 429 from a rate limit and on
 * 503 from an upstream failure, and `WWW-Authenticate` on every 401 (`Bearer error="invalid_token"`
 * for a bad token, plain `Bearer` otherwise).
 * @see RFC 9110 §10.2.3 (Retry-After), RFC 6585 §4 (429), RFC 6750 §3 (WWW-Authenticate)
 */
export function errorHeaders(error: TRPCError | undefined): Headers {
  if (!error) return {};
  if (error.code === 'UNAUTHORIZED') {
    return { 'www-authenticate': error.cause instanceof BearerChallenge ? error.cause.challenge : 'Bearer' };
  }
  if (
    (error instanceof UpstreamFailure || error instanceof TooManyRequestsError) &&
    error.retryAfterSeconds !== undefined
  ) {
    return { 'retry-after': String(error.retryAfterSeconds) };
  }
  return {};
}

/**
 * The headers of every error of a response, merged: one tRPC batch answer may hold several
 * (a 401 and a 429), and each header must reach the client. The longest `Retry-After` wins.
 */
function allErrorHeaders(errors: readonly TRPCError[]): Headers {
  const merged: Headers = {};
  for (const error of errors) {
    for (const [name, value] of Object.entries(errorHeaders(error))) {
      const kept = merged[name];
      merged[name] =
        name === 'retry-after' && kept !== undefined ? String(Math.max(Number(kept), Number(value))) : (kept ?? value);
    }
  }
  return merged;
}

/**
 * Headers of every answer of a token endpoint (`/auth/access`, `/auth/refresh`), success or error:
 * no cache may store a response that carries tokens.
 * @see RFC 6749 §5.1
 */
export const TOKEN_RESPONSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  pragma: 'no-cache',
});

interface MetaOptions {
  paths: readonly string[] | undefined;
  errors: readonly TRPCError[];
}

/**
 * `responseMeta` for `/trpc`: tRPC's own statuses, plus the headers of every error (a batch may
 * hold several), and {@link TOKEN_RESPONSE_HEADERS} when any call of the request is a token procedure.
 * @param tokenProcedures tRPC paths whose answers carry tokens (`auth.access`, `auth.refresh`)
 */
export function trpcResponseMeta(tokenProcedures: ReadonlySet<string>) {
  return ({ paths, errors }: MetaOptions): { headers?: Headers } => {
    const tokens = paths?.some((path) => tokenProcedures.has(path)) ?? false;
    if (errors.length === 0) return tokens ? { headers: { ...TOKEN_RESPONSE_HEADERS } } : {};
    return { headers: { ...allErrorHeaders(errors), ...(tokens ? TOKEN_RESPONSE_HEADERS : {}) } };
  };
}
