import { join } from 'node:path';
import { nginxArgs, writeNginxConfig as writeConfig } from '@basis/nginx';
import { freePort, type RunningProcess, startProcess } from './processes.js';

/** A running nginx and the port it listens on (127.0.0.1). */
export interface RunningNginx extends RunningProcess {
  readonly port: number;
}

/**
 * Writes an nginx.conf into `dir` that makes nginx a plain keep-alive reverse proxy for
 * `127.0.0.1:<upstreamPort>`, done the way an operator would for a fair hop: one worker
 * (the gateway is one Node process too), upstream keepalive 64, HTTP/1.1 to the upstream with
 * the `Connection` header cleared, no access log, and no cap on requests per keep-alive
 * connection (nginx's default closes one every 1000 requests: at one connection that showed up
 * as failed requests and a 0.8 ms p50 instead of 0.05 ms). Every file nginx writes stays under `dir`.
 * @returns the config path.
 */
export function writeNginxConfig(dir: string, listenPort: number, upstreamPort: number): string {
  const http = `  access_log off;
  keepalive_requests 1000000;

  upstream users {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
    keepalive_requests 1000000;
  }

  server {
    listen 127.0.0.1:${listenPort};
    location / {
      proxy_pass http://users;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
    }
  }`;
  return writeConfig(dir, http, { writtenBy: '@basis/bench' });
}

/**
 * Starts nginx in the foreground (`daemon off`, so the harness owns its master pid) as a
 * reverse proxy in front of the users service, and waits until `/healthz` answers through it.
 * @throws when nginx exits or is not ready within 10 s.
 */
export async function startNginx(binary: string, dir: string, upstreamPort: number): Promise<RunningNginx> {
  const port = await freePort();
  const conf = writeNginxConfig(dir, port, upstreamPort);
  const running = await startProcess({
    name: 'nginx',
    command: binary,
    // -e: the error log before the config is read, so nothing is written under /var/log.
    args: nginxArgs(dir, conf),
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
    readyUrl: `http://127.0.0.1:${port}/healthz`,
    readyTimeoutMs: 10_000,
    logFile: join(dir, 'stdout.log'),
  });
  return { ...running, port };
}
