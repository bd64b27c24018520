import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A tiny HTTP server standing in for the users service, recording what it receives. */
export interface FakeUpstream extends AsyncDisposable {
  url: string;
  /** Headers of every request received, in order. */
  requests: { method: string; url: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/** Answers a request; return nothing and never call `res.end` to leave it hanging. */
export type FakeHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/**
 * Starts a raw Node HTTP server on 127.0.0.1, port 0. Closing destroys open sockets too, so a
 * handler that never answers does not keep the test waiting.
 */
export async function startFakeUpstream(handler: FakeHandler): Promise<FakeUpstream> {
  const sockets = new Set<Socket>();
  const requests: FakeUpstream['requests'] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      handler(req, res, body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url: `http://127.0.0.1:${port}`, requests, close, [Symbol.asyncDispose]: close };
}

/** Writes a tRPC success envelope (`{ result: { data } }`) with status 200. */
export function trpcResult(res: ServerResponse, data: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ result: { data } }));
}

/** Writes a tRPC error envelope as a tRPC server would for `code`. */
export function trpcError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      error: {
        code: -32000,
        message,
        data: { code, httpStatus: status, stack: 'Error: secret\n    at x (/srv/users.js:1:1)' },
      },
    }),
  );
}
