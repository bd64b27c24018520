import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RequestCache } from '../trpc.js';
import type { CacheOutcome, ResponseCache } from './response-cache.js';

/** The response header saying how a cached route was served: `hit`, `miss` or `stale`. */
export const CACHE_STATUS_HEADER = 'x-cache';

const RANK: Record<CacheOutcome, number> = { hit: 0, stale: 1, miss: 2 };

/**
 * The cache as one request uses it: each read's outcome is written to the response's `x-cache`
 * header (read by the request log line); with several reads (a composition's parts) the worst wins:
 * `miss` over `stale` over `hit`. A request with `Cache-Control: no-cache` (RFC 9111 §5.2.1.4) or
 * `Pragma: no-cache` is answered by the upstream, without touching the entries.
 */
export function requestCache(cache: ResponseCache, request: FastifyRequest, reply: FastifyReply): RequestCache {
  // The client's `Cache-Control: no-cache` (or `Pragma: no-cache`): every read goes to the upstream.
  const control = `${request.headers['cache-control'] ?? ''},${request.headers.pragma ?? ''}`.toLowerCase();
  const fresh = /(?:^|[,\s])no-cache(?:$|[,\s=])/.test(control);
  const note = (outcome: CacheOutcome) => {
    const current = reply.getHeader(CACHE_STATUS_HEADER) as CacheOutcome | undefined;
    if (current === undefined || RANK[outcome] > RANK[current]) void reply.header(CACHE_STATUS_HEADER, outcome);
  };
  return {
    read: (contract, input, caller, load) => cache.read(contract, input, caller, load, note, fresh),
    invalidate: (contract, input, callerId) => cache.invalidate(contract, input, callerId),
  };
}
