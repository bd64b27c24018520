import { type $Fetch, createFetch, FetchError } from 'ofetch';
import { errorFromResponse, networkError } from './errors.js';
import type { BuiltRequest, RequestOptions } from './routes.js';

/** Options of {@link createTransport}. */
export interface TransportOptions {
  /** Absolute URL the REST paths are resolved against, e.g. `http://127.0.0.1:8001/api/v1`. */
  restBaseURL: string;
  /** The fetch implementation; defaults to the global one. */
  fetch?: typeof globalThis.fetch | undefined;
}

/** A raw HTTP answer that succeeded: its status and parsed body (`undefined` for 204). */
export interface TransportResult {
  status: number;
  body: unknown;
}

/** Sends one built request, optionally with a bearer token. */
export type Send = (
  request: BuiltRequest,
  accessToken: string | undefined,
  options?: RequestOptions,
) => Promise<TransportResult>;

/**
 * Creates the HTTP layer of the client on ofetch, with ofetch's own retries turned off
 * (the client decides what to retry) and every failure turned into a `BasisApiError`.
 * @throws {BasisApiError} from the returned function: the gateway's error for a non-2xx
 *   answer, a `NETWORK_ERROR` one when no answer arrived; an aborted call rejects with the signal's reason
 */
export function createTransport(options: TransportOptions): Send {
  const $fetch: $Fetch = createFetch({ fetch: options.fetch ?? globalThis.fetch });
  const baseURL = options.restBaseURL.replace(/\/+$/, '');
  return async (request, accessToken, callOptions) => {
    const headers: Record<string, string> = { accept: 'application/json', ...callOptions?.headers };
    if (accessToken !== undefined) headers.authorization = `Bearer ${accessToken}`;
    let response: Awaited<ReturnType<$Fetch['raw']>>;
    try {
      response = await $fetch.raw(`${baseURL}${request.path}`, {
        method: request.method,
        headers,
        ...(request.query === undefined ? {} : { query: request.query }),
        ...(request.body === undefined ? {} : { body: request.body as Record<string, unknown> }),
        ...(callOptions?.signal === undefined ? {} : { signal: callOptions.signal }),
        retry: false,
        ignoreResponseError: true,
      });
    } catch (error) {
      if (callOptions?.signal?.aborted) throw callOptions.signal.reason;
      throw error instanceof FetchError || error instanceof TypeError ? networkError(error) : error;
    }
    if (!response.ok) throw errorFromResponse(response, response._data);
    return { status: response.status, body: response.status === 204 ? undefined : response._data };
  };
}
