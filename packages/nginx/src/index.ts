/**
 * `@basis/nginx`: Debian's nginx as a private reverse proxy, for the bench (bench/src/nginx.ts) and
 * the replica test (e2e/): find or install the binary, write a config whose files stay in one
 * directory, and the command line that runs it. Starting and stopping the process is the caller's.
 */
export { ensureNginx, findNginx } from './binary.js';
export { type NginxConfigOptions, nginxArgs, writeNginxConfig } from './config.js';
