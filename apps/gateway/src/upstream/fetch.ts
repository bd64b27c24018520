import type { httpLink } from '@trpc/client';
import { Agent } from 'undici';

/** The `fetch` option of tRPC's `httpLink`. */
type FetchEsque = NonNullable<Parameters<typeof httpLink>[0]['fetch']>;
type FetchInit = NonNullable<Parameters<FetchEsque>[1]>;

/** Most keep-alive connections the gateway holds to one upstream (nginx's `keepalive` order of size). */
export const UPSTREAM_CONNECTIONS = 64;

/** A fetch for tRPC's `httpLink` bound to its own connection pool, and how to close that pool. */
export interface UpstreamFetch {
  fetch: FetchEsque;
  close(): Promise<void>;
}

/**
 * The part of `fetch` tRPC's `httpLink` uses (method, headers, string body, signal in; a body to
 * `json()` out), over undici's `Agent#request`, capped at {@link UPSTREAM_CONNECTIONS} connections
 * per origin: past the cap, calls queue for a free connection instead of opening more. Skips the
 * WHATWG `Request`/`Response`/stream objects that global fetch builds for every call.
 * Errors are undici's own (`ECONNREFUSED`, `UND_ERR_SOCKET`, `AbortError`, a `SyntaxError` from
 * `json()`), which upstream/errors.ts maps.
 */
export function createUpstreamFetch(connections = UPSTREAM_CONNECTIONS): UpstreamFetch {
  const dispatcher = new Agent({ connections });
  const fetch = async (input: unknown, init?: FetchInit) => {
    const url = new URL(String(input));
    const response = await dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: (init?.method ?? 'GET') as 'GET',
      headers: init?.headers as Record<string, string> | undefined,
      body: typeof init?.body === 'string' ? init.body : null,
      signal: init?.signal ?? undefined,
    });
    return {
      ok: response.statusCode >= 200 && response.statusCode < 300,
      status: response.statusCode,
      json: () => response.body.json(),
    };
  };
  return { fetch: fetch as unknown as FetchEsque, close: () => dispatcher.close() };
}
