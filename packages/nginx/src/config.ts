import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What {@link writeNginxConfig} puts around the `http` block. */
export interface NginxConfigOptions {
  /** nginx worker processes; 1 by default. */
  workers?: number;
  /** `worker_connections`; 4096 by default. */
  workerConnections?: number;
  /** Who wrote the file, for its first line (`@basis/bench`). */
  writtenBy: string;
}

/**
 * Writes `<dir>/nginx.conf` for a private nginx that runs in the foreground (`daemon off`, so the
 * starter owns its master pid) and keeps every file it writes under `dir`: pid file, error log and
 * the five request-body/response temporary directories (created here). `http` is the body of the
 * `http { }` block (upstreams, servers, logs), written as given.
 * @param dir an existing directory, e.g. a `mkdtemp` one, deleted by the caller afterwards
 * @returns the config path, for {@link nginxArgs}
 */
export function writeNginxConfig(dir: string, http: string, options: NginxConfigOptions): string {
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];
  for (const sub of temp) mkdirSync(join(dir, sub), { recursive: true });
  const conf = `# Written by ${options.writtenBy}; deleted with its temporary directory.
worker_processes ${options.workers ?? 1};
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;

events {
  worker_connections ${options.workerConnections ?? 4096};
}

http {
${temp.map((sub) => `  ${sub}_temp_path ${join(dir, sub)};`).join('\n')}
${http}
}
`;
  const path = join(dir, 'nginx.conf');
  writeFileSync(path, conf);
  return path;
}

/**
 * The arguments that run nginx on a config written by {@link writeNginxConfig}: prefix `dir`, and
 * `-e` so that even the error log nginx opens before reading the config is under `dir` (nothing is
 * written under /var/log).
 * @param test `nginx -t`: check the config and exit
 */
export function nginxArgs(dir: string, conf: string, test = false): string[] {
  return [...(test ? ['-t', '-q'] : []), '-p', dir, '-e', join(dir, 'error.log'), '-c', conf];
}
