import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago on 127.0.0.1 (listen on 0, read the port, close). Prefer
 * `listen({ port: 0 })` where the server is in-process; this is for child processes that need a port up front.
 * @returns the port number
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
