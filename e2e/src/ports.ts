import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago on `host` (listen on port 0 there, read it, close).
 * @param host a loopback address such as `127.0.0.11`
 * @returns the port; another process could take it before it is used (small race)
 */
export function freePortOn(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
