import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Where Debian's package and a source build put the binary. */
const NGINX_CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];

/**
 * The nginx binary's path.
 * @returns the first of /usr/sbin/nginx, /usr/local/sbin/nginx, /usr/local/nginx/sbin/nginx that exists, or null
 */
export function findNginx(): string | null {
  return NGINX_CANDIDATES.find((path) => existsSync(path)) ?? null;
}

/** Runs `apt-get` with `args`, output inherited; resolves to its exit code (127 when it cannot start). */
function aptGet(args: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('apt-get', [...args], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: 'inherit',
    });
    child.once('error', () => resolve(127));
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/**
 * Makes sure Debian's nginx is installed: when absent, runs `apt-get install -y nginx` (as root),
 * refreshing the package lists once if the first attempt fails, and retrying a few times while
 * another apt holds the dpkg lock. The image's policy-rc.d keeps the package from starting a
 * system nginx.
 * @param log told, in one line, that nginx is being installed
 * @returns the binary's path
 * @throws when nginx is still absent after three attempts
 */
export async function ensureNginx(log: (line: string) => void): Promise<string> {
  const found = findNginx();
  if (found !== null) return found;
  log('nginx is absent: installing the Debian package (apt-get install -y nginx)');
  const lock = ['-o', 'DPkg::Lock::Timeout=60'];
  for (let attempt = 1; attempt <= 3; attempt++) {
    if ((await aptGet(['install', '-y', '-q', '--no-install-recommends', ...lock, 'nginx'])) === 0) break;
    if (attempt === 1) await aptGet(['update', '-q', ...lock]);
    else await sleep(5000 * attempt);
  }
  const installed = findNginx();
  if (installed === null) throw new Error('nginx could not be installed with apt-get');
  return installed;
}
