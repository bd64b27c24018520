import { TRPCClientError } from '@trpc/client';
import { Agent } from 'undici';

/** Most keep-alive connections the gateway holds to one upstream (nginx's `keepalive` order of size). */
export const UPSTREAM_CONNECTIONS = 64;

/** One tRPC procedure call as it goes over the wire. */
export interface TrpcRequest {
  type: 'query' | 'mutation';
  /** The procedure path on the service, e.g. `users.byId`. */
  path: string;
  input: unknown;
  /** Request headers (lower-case names): the service credential and the request id. */
  headers: Record<string, string>;
  signal: AbortSignal;
}

/** Sends tRPC calls to one service over its own keep-alive pool. */
export interface UpstreamTransport {
  /**
   * Sends one call and reads its answer.
   * @returns the procedure's `result.data`
   * @throws {TRPCClientError} for every failure, shaped as tRPC's `httpLink` shapes it (see below)
   */
  send(request: TrpcRequest): Promise<unknown>;
  close(): Promise<void>;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What tRPC's client throws for an answer that is JSON but no tRPC response. */
class TransformResultError extends Error {
  constructor() {
    super('Unable to transform response from server');
  }
}

/**
 * tRPC's HTTP protocol for single calls (what `@trpc/client`'s `httpLink` sends, without a
 * transformer: `GET <base>/trpc/<path>?input=<JSON>` for a query, `POST` with a JSON body for a
 * mutation; `{ result: { data } }` or `{ error: { code, message, data } }` back) over undici's
 * `Agent#request`, capped at `connections` per origin: past the cap, calls queue for a free
 * connection instead of opening more.
 *
 * Replaces `createTRPCUntypedClient` + `httpLink` on the hot path: per call, the client built an
 * observable chain, two `AbortController`s raced together, and aborted its own controller on every
 * completion (a `DOMException` with a stack each time): ~12% of the gateway's CPU per proxied
 * request. Its failures keep the client's shape, so upstream/errors.ts maps them as before: a
 * transport error (`ECONNREFUSED`, `UND_ERR_SOCKET`, `AbortError`) or a body that is not JSON
 * becomes a `TRPCClientError` with that cause; a JSON answer that is no tRPC response, or a tRPC
 * error, keeps the response on `meta.response` (its `status`) as `httpLink` does.
 * @param baseUrl the service's origin (`<NAME>_SERVICE_URL`), the tRPC endpoint being `<baseUrl>/trpc`
 */
export function createUpstreamTransport(baseUrl: string, connections = UPSTREAM_CONNECTIONS): UpstreamTransport {
  const dispatcher = new Agent({ connections });
  const url = new URL(baseUrl);
  const origin = url.origin;
  const endpoint = `${url.pathname.replace(/\/$/, '')}/trpc/`;
  return {
    async send({ type, path, input, headers, signal }) {
      let requestPath = endpoint + path;
      let body: string | null = null;
      if (type === 'query') {
        if (input !== undefined) requestPath += `?input=${encodeURIComponent(JSON.stringify(input))}`;
      } else {
        headers['content-type'] = 'application/json';
        if (input !== undefined) body = JSON.stringify(input);
      }
      let json: unknown;
      let status: number;
      try {
        const response = await dispatcher.request({
          origin,
          path: requestPath,
          method: type === 'query' ? 'GET' : 'POST',
          headers,
          body,
          signal,
        });
        status = response.statusCode;
        json = await response.body.json();
      } catch (cause) {
        throw TRPCClientError.from(cause as Error);
      }
      const meta = { response: { ok: status >= 200 && status < 300, status }, responseJSON: json };
      if (isObject(json)) {
        if ('error' in json) {
          if (isObject(json.error) && typeof json.error.code === 'number')
            throw TRPCClientError.from(json as never, { meta });
        } else if (isObject(json.result)) {
          return json.result.data;
        }
      }
      throw TRPCClientError.from(new TransformResultError(), { meta });
    },
    close: () => dispatcher.close(),
  };
}
