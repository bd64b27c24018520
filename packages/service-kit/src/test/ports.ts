import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago on `host` (listen on 0, read the port, close). Prefer
 * `listen({ port: 0 })` where the server is in-process; this is for child processes that need a port up front.
 * @param host the address to check, default 127.0.0.1
 * @returns the port number
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
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

/**
 * A random address of the loopback network 127.0.0.0/8 outside 127.0.0.0/16 (every one of them reaches this
 * machine on Linux). A child process given its own address cannot be reached by mistake when another test
 * file, in parallel, takes the same port number: that race is real when a test restarts a service on the
 * port it had (between the stop and the restart, the port is free on 127.0.0.1).
 * @returns e.g. `127.83.17.201`
 */
export function randomLoopbackHost(): string {
  const byte = (min: number) => min + Math.floor(Math.random() * (255 - min));
  return `127.${byte(1)}.${byte(0)}.${byte(1)}`;
}
