import { type Agent, request } from 'node:http';

/** One answer: status, headers (lower-case names) and the body parsed as JSON when it is JSON. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** How {@link call} sends one request. */
export interface CallOptions {
  /** A JSON body (sets `content-type: application/json`). */
  json?: unknown;
  /** An access token, sent as `Authorization: Bearer …`. */
  token?: string;
  headers?: Record<string, string>;
  /**
   * The client's own loopback address (127.0.0.x): the address the first proxy sees, so a test can be
   * a distinct client IP. Ignored when `agent` is given (the agent's `localAddress` applies).
   */
  localAddress?: string;
  /** A keep-alive agent; without one, each call opens and closes its connection. */
  agent?: Agent;
  /** Milliseconds before the call is abandoned (an error); 15 000 by default. */
  timeoutMs?: number;
}

/**
 * Sends one HTTP/1.1 request with node:http (which, unlike global fetch, can bind the client's
 * local address).
 * @param url an absolute `http://127.0.0.x:port/…` URL
 * @returns the answer; a non-JSON body becomes `{ text }`
 * @throws the socket's error (`ECONNREFUSED`, `ECONNRESET`, …) or a timeout error, for the caller to count
 */
export function call(method: string, url: string, options: CallOptions = {}): Promise<Answer> {
  const payload = options.json === undefined ? undefined : JSON.stringify(options.json);
  const headers: Record<string, string> = {
    ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
    ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        headers,
        ...(options.agent ? { agent: options.agent } : { agent: false, localAddress: options.localAddress }),
        timeout: options.timeoutMs ?? 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Record<string, unknown> = {};
          if (text !== '') {
            try {
              body = JSON.parse(text) as Record<string, unknown>;
            } catch {
              body = { text };
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(payload);
  });
}
