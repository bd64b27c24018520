import type { FastifyReply } from 'fastify';
import type { RequestCache } from '../trpc.js';
import type { CacheOutcome, ResponseCache } from './response-cache.js';

/** The response header saying how a cached route was served: `hit`, `miss` or `stale`. */
export const CACHE_STATUS_HEADER = 'x-cache';

const RANK: Record<CacheOutcome, number> = { hit: 0, stale: 1, miss: 2 };

/**
 * The cache as one request uses it: each read's outcome is written to the response's `x-cache`
 * header (read by the request log line); with several reads (a composition's parts) the worst wins:
 * `miss` over `stale` over `hit`.
 */
export function requestCache(cache: ResponseCache, reply: FastifyReply): RequestCache {
  const note = (outcome: CacheOutcome) => {
    const current = reply.getHeader(CACHE_STATUS_HEADER) as CacheOutcome | undefined;
    if (current === undefined || RANK[outcome] > RANK[current]) void reply.header(CACHE_STATUS_HEADER, outcome);
  };
  return {
    read: (contract, input, caller, load) => cache.read(contract, input, caller, load, note),
    invalidate: (contract, input, callerId) => cache.invalidate(contract, input, callerId),
  };
}
