/**
 * `npx tsx bench/src/gateway-cpu.ts [--gateway-entry FILE] [--requests N] [--connections N] [--peak]
 * [--cached] [--gateway-node-flags="FLAGS"]`: the gateway's own CPU per request, for before/after tables of
 * gateway changes. The gateway (NODE_ENV=production, logs to a temporary file) runs against a canned
 * users service in this process (`users.byId` and `internal.sessionActor` answered from memory), so
 * nothing but the gateway's work is timed: scenario (b)'s request (`GET /api/v1/users/1`, an access
 * token, `Cache-Control: no-cache`; with `--cached`, scenario (b-cache)'s: the same request without
 * `no-cache`, answered from the gateway's response cache after the first), N requests (20 000 by default) after 3 000 of warm-up, CPU
 * from `/proc/<pid>/stat`. A fixed count of requests at the gateway's full rate is steadier on a
 * shared machine than `npm run bench`'s seconds at the users service's rate; it is no replacement
 * for it (no real upstream, no nginx beside it). `--peak` adds the same load at 200 connections and
 * prints the gateway's VmHWM. It also counts the connections the gateway opened to the users service
 * while measured (0 when its keep-alive pool is reused).
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import jwt from 'jsonwebtoken';
import { cpuTimeMs, freePort, sampleMemory } from './processes.js';

const { values: flags } = parseArgs({
  options: {
    'gateway-entry': { type: 'string' },
    requests: { type: 'string', default: '20000' },
    connections: { type: 'string', default: '50' },
    peak: { type: 'boolean', default: false },
    cached: { type: 'boolean', default: false },
    'gateway-node-flags': { type: 'string', default: '' },
  },
});
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const entry = resolve(flags['gateway-entry'] ?? join(REPO_ROOT, 'apps/gateway/dist/main.js'));
const requests = Number(flags.requests);
const connections = Number(flags.connections);

const user = {
  id: 1,
  email: 'bench@example.com',
  firstName: 'Bench',
  lastName: 'User',
  isActive: true,
  role: 'user',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const sessionId = 'bench-session';
const answers: Record<string, string> = {
  '/trpc/internal.sessionActor': JSON.stringify({ result: { data: { id: 1, role: 'user', sessionId } } }),
  '/trpc/users.byId': JSON.stringify({ result: { data: user } }),
  '/readyz': JSON.stringify({ status: 'ok' }),
};
const users = createServer((request, response) => {
  const body = answers[(request.url ?? '').split('?')[0] ?? ''];
  if (body === undefined) response.writeHead(404).end();
  else
    response
      .writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      .end(body);
});
let upstreamConnections = 0;
users.on('connection', () => {
  upstreamConnections += 1;
});
await new Promise<void>((ready) => users.listen(0, '127.0.0.1', ready));
const usersPort = (users.address() as AddressInfo).port;

const port = await freePort();
const secret = randomBytes(32).toString('hex');
const serviceKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const work = mkdtempSync(join(tmpdir(), 'basis-gateway-cpu-'));
const logFd = openSync(join(work, 'gateway.log'), 'w');
const gateway = spawn(process.execPath, [...flags['gateway-node-flags'].split(/\s+/).filter(Boolean), entry], {
  cwd: dirname(dirname(entry)),
  env: {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    USERS_SERVICE_URL: `http://127.0.0.1:${usersPort}`,
    JWT_SECRET: secret,
    SERVICE_PRIVATE_KEY: serviceKey,
  },
  stdio: ['ignore', logFd, 'inherit'],
});
const stop = () => {
  gateway.kill('SIGTERM');
  users.close();
  closeSync(logFd);
  rmSync(work, { recursive: true, force: true });
};
process.once('SIGINT', () => {
  stop();
  process.exit(130);
});

const origin = `http://127.0.0.1:${port}`;
for (let attempt = 0; ; attempt++) {
  const ok = await fetch(`${origin}/healthz`).then(
    (response) => response.ok,
    () => false,
  );
  if (ok) break;
  if (attempt > 300 || gateway.exitCode !== null) {
    stop();
    throw new Error(`the gateway (${entry}) did not start`);
  }
  await new Promise((wait) => setTimeout(wait, 100));
}

const accessToken = jwt.sign({ role: 'user', sid: sessionId }, secret, {
  algorithm: 'HS256',
  expiresIn: 900,
  issuer: 'basis-gateway',
  audience: 'basis-api',
  subject: '1',
  jwtid: randomUUID(),
});
const load = (amount: number, conns: number) =>
  autocannon({
    url: `${origin}/api/v1/users/1`,
    connections: conns,
    amount,
    headers: flags.cached
      ? { authorization: `Bearer ${accessToken}` }
      : { authorization: `Bearer ${accessToken}`, 'cache-control': 'no-cache' },
  });

const pid = gateway.pid ?? 0;
await load(3000, connections);
const before = cpuTimeMs(pid) ?? Number.NaN;
const connectionsBefore = upstreamConnections;
const result = await load(requests, connections);
const used = (cpuTimeMs(pid) ?? Number.NaN) - before;
let line =
  `gateway ${entry}${flags.cached ? ' (cached)' : ''}: ${((used * 1000) / result['2xx']).toFixed(0)} µs/req, ${result.requests.average.toFixed(0)} req/s, ` +
  `${result['2xx']}/${requests} 2xx at ${connections} connections, VmHWM ${((sampleMemory(pid)?.hwmKb ?? 0) / 1024).toFixed(1)} MB, ` +
  `${upstreamConnections - connectionsBefore} upstream connections opened while measured`;
if (flags.peak) {
  await load(requests, 200);
  line += `; after 200 connections VmHWM ${((sampleMemory(pid)?.hwmKb ?? 0) / 1024).toFixed(1)} MB`;
}
console.log(line);
stop();
