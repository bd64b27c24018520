import type { Conformance } from './conformance.js';

/** A response as a test sees it: status, headers, raw text, parsed JSON body and the time it took. */
export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body when it is an object, else `{}`. */
  body: Record<string, unknown>;
  /** Wall-clock milliseconds from sending to the end of the body. */
  ms: number;
}

/** Options of one request. */
export interface RequestOptions {
  /** A JSON body (sent with `content-type: application/json`). */
  json?: unknown;
  /** A raw body, sent as is with `contentType`. */
  raw?: string;
  contentType?: string;
  /** An access token, sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** A full `Authorization` header value (wins over `token`). */
  authorization?: string;
  headers?: Record<string, string>;
}

/** Sends HTTP requests to one base URL, checking each response against the OpenAPI document. */
export type Api = (method: string, path: string, options?: RequestOptions) => Promise<ApiResponse>;

/**
 * A small fetch wrapper for the gateway's REST API. Every response goes through
 * `conformance.check`, so every response any test receives is checked against the document.
 */
export function createApi(baseUrl: string, conformance?: Conformance): Api {
  return async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = options.contentType ?? 'application/json';
    } else if (options.raw !== undefined) {
      body = options.raw;
      if (options.contentType) headers['content-type'] = options.contentType;
    }
    if (options.authorization !== undefined) headers.authorization = options.authorization;
    else if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const started = performance.now();
    const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    const ms = performance.now() - started;
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    conformance?.check({ method, url: path, status: response.status, headers: response.headers, text });
    const object = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    return { status: response.status, headers: response.headers, text, body: object, ms };
  };
}
