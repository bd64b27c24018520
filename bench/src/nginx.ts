import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, type RunningProcess, runCommand, startProcess } from './processes.js';

const NGINX_CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];

/** The nginx binary's path, or null when none is installed. */
export function findNginx(): string | null {
  return NGINX_CANDIDATES.find((path) => existsSync(path)) ?? null;
}

/**
 * Makes sure Debian's nginx is installed: when absent, runs `apt-get install -y nginx` (as root),
 * refreshing the package lists once if the first attempt fails, and retrying a few times while
 * another apt holds the dpkg lock. The image's policy-rc.d keeps the package from starting a
 * system nginx.
 * @returns the binary's path.
 * @throws when nginx is still absent after the bounded attempts.
 */
export async function ensureNginx(log: (line: string) => void): Promise<string> {
  const found = findNginx();
  if (found !== null) return found;
  log('nginx is absent: installing the Debian package (apt-get install -y nginx)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const aptArgs = ['install', '-y', '-q', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=60', 'nginx'];
  for (let attempt = 1; attempt <= 3; attempt++) {
    if ((await runCommand('apt-get', aptArgs, { env })) === 0) break;
    if (attempt === 1) await runCommand('apt-get', ['update', '-q', '-o', 'DPkg::Lock::Timeout=60'], { env });
    else await sleep(5000 * attempt);
  }
  const installed = findNginx();
  if (installed === null) throw new Error('nginx could not be installed with apt-get');
  return installed;
}

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
  for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
    mkdirSync(join(dir, sub), { recursive: true });
  const conf = `# Written by @basis/bench; deleted with its temporary directory.
worker_processes 1;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;

events {
  worker_connections 4096;
}

http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${join(dir, 'client_body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};

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
  }
}
`;
  const path = join(dir, 'nginx.conf');
  writeFileSync(path, conf);
  return path;
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
    args: ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf],
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
    readyUrl: `http://127.0.0.1:${port}/healthz`,
    readyTimeoutMs: 10_000,
    logFile: join(dir, 'stdout.log'),
  });
  return { ...running, port };
}
