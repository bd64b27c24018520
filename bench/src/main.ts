/**
 * `npm run bench [-- --quick]`: measures what the Basis gateway adds to a request, in one run on
 * one machine, beside the users service called directly and beside nginx as a plain reverse
 * proxy, at the same concurrency (issue 5). Prints one table, writes JSON and Markdown under
 * bench/results/. Targets are reported, never asserted; `--quick` (the CI smoke check) exits 1
 * only when a request failed.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureNginx } from '@basis/nginx';
import { type BenchDatabase, createBenchDatabase } from './database.js';
import { type RunningNginx, startNginx } from './nginx.js';
import {
  cpuTimeMs,
  freePort,
  killAllNow,
  type RunningProcess,
  runCommand,
  sampleMemory,
  startProcess,
  watchMemory,
} from './processes.js';
import { type BenchReport, buildChecks, renderText, writeReport } from './report.js';
import { type LoadResult, type LoadSpec, runConcurrently, runLoad } from './scenarios.js';
import { checkUserResponse, logIn, seedUsers } from './seed.js';
import { actorClaimsOf, serviceTokenSource } from './tokens.js';

const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPO_ROOT = resolve(BENCH_DIR, '..');
const MB = 1024;

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    'no-nginx': { type: 'boolean', default: false },
    connections: { type: 'string' },
    duration: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    'log-level': { type: 'string' },
    out: { type: 'string' },
    'users-entry': { type: 'string' },
    'gateway-entry': { type: 'string' },
    'keep-logs': { type: 'boolean', default: false },
    'gateway-node-flags': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (flags.help) {
  console.log(`usage: npm run bench -- [--quick] [--no-build] [--no-nginx] [--connections N] [--duration S]
                       [--cpu-prof] [--log-level LEVEL] [--out NAME]
  --quick        ~1.5 s per load (CI smoke check: exit 1 only if a request failed)
  --no-build     skip 'turbo build' of users and gateway
  --no-nginx     skip scenario (c)
  --cpu-prof     run the gateway under node --cpu-prof (profiles in bench/profiles/)
  --out NAME     write bench/results/NAME.{json,md} (default: latest, the old latest becoming previous;
                 quick with --quick; profiled with --cpu-prof, whose figures the profiler distorts)
  --users-entry FILE, --gateway-entry FILE
                 run other builds (e.g. a worktree of an older commit, for before/after tables)
  --keep-logs    keep the services' logs (a temporary directory, printed at the end)
  --gateway-node-flags "FLAGS"
                 extra node flags for the gateway, e.g. "--max-semi-space-size=4"
  DATABASE_URL   when set, a fresh database basis_bench_<hex> is made on that server for the run`);
  process.exit(0);
}

function positiveNumber(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got ${raw}`);
  return value;
}

const USERS_ENTRY = resolve(flags['users-entry'] ?? join(REPO_ROOT, 'apps/users/dist/main.js'));
const GATEWAY_ENTRY = resolve(flags['gateway-entry'] ?? join(REPO_ROOT, 'apps/gateway/dist/main.js'));
const quick = flags.quick;
const settings = {
  connections: Math.round(positiveNumber(flags.connections, 50, 'connections')),
  durationSeconds: positiveNumber(flags.duration, quick ? 1 : 10, 'duration'),
  warmupSeconds: quick ? 0.5 : 3,
  stormConnections: 4,
  peakConnections: 200,
  peakSeconds: quick ? 1 : 5,
  seededUsers: quick ? 20 : 200,
  nginx: !flags['no-nginx'],
};

const log = (line: string): void => console.log(`[bench] ${line}`);

/** Everything that must be undone, last started first stopped. */
const cleanups: Array<{ name: string; run: () => Promise<void> }> = [];
let cleaning: Promise<void> | null = null;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const step of cleanups.reverse()) {
      try {
        await step.run();
      } catch (error) {
        console.error(`[bench] cleanup of ${step.name} failed: ${(error as Error).message}`);
      }
    }
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`[bench] ${signal}: stopping everything`);
    void cleanup().finally(() => process.exit(130));
  });
}
process.on('exit', killAllNow);

function track(child: RunningProcess, graceMs = 5000): void {
  cleanups.push({ name: child.name, run: () => child.stop(graceMs) });
}

/** The repository's short commit, `+dirty` when its tree has changes; `unknown` without git. */
function gitCommit(): string {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') === '' ? '' : '+dirty'}`;
  } catch {
    return 'unknown';
  }
}

function randomItem<T>(items: readonly T[]): T {
  const item = items[Math.floor(Math.random() * items.length)];
  if (item === undefined) throw new Error('randomItem of an empty list');
  return item;
}

async function main(): Promise<number> {
  const loadStart = loadavg();
  const startedAt = new Date().toISOString();
  if (!flags['no-build']) {
    log('building users and gateway (turbo)');
    const code = await runCommand(
      join(REPO_ROOT, 'node_modules/.bin/turbo'),
      ['run', 'build', '--filter=@basis/users', '--filter=@basis/gateway', '--output-logs=errors-only'],
      { cwd: REPO_ROOT },
    );
    if (code !== 0) throw new Error(`turbo build failed with code ${code}`);
  }
  for (const entry of [USERS_ENTRY, GATEWAY_ENTRY]) {
    if (!existsSync(entry)) throw new Error(`${entry} is missing: build the apps first (npm run build)`);
  }

  const work = mkdtempSync(join(tmpdir(), 'basis-bench-'));
  let keepWork = flags['keep-logs'];
  cleanups.push({
    name: 'temporary directory',
    run: async () => {
      if (keepWork) console.error(`[bench] logs kept in ${work}`);
      else rmSync(work, { recursive: true, force: true });
    },
  });

  // The gateway's service-credential key pair: the gateway signs with it, users trusts its public half.
  const serviceKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const gatewayServiceKey = serviceKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const gatewayServicePublicKey = serviceKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const postsServicePublicKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString();
  const usersServiceKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  const jwtSecret = randomBytes(32).toString('hex');
  const baseEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    ...(flags['log-level'] === undefined ? {} : { LOG_LEVEL: flags['log-level'] }),
  };

  try {
    // The database: a fresh PostgreSQL database when DATABASE_URL is set, else PGlite in memory.
    let database: BenchDatabase | null = null;
    const adminUrl = process.env.DATABASE_URL;
    if (adminUrl !== undefined && adminUrl !== '') {
      database = await createBenchDatabase(adminUrl);
      const made = database;
      cleanups.push({ name: `database ${made.name}`, run: () => made.drop() });
      log(`PostgreSQL database ${made.name} created`);
    }
    const dbEnv: Record<string, string> =
      database === null ? { PGLITE_DATA_DIR: 'memory://' } : { DATABASE_URL: database.url };

    const usersPort = await freePort();
    const users = await startProcess({
      name: 'users',
      command: process.execPath,
      args: [USERS_ENTRY],
      env: {
        ...baseEnv,
        ...dbEnv,
        PORT: String(usersPort),
        SERVICE_PRIVATE_KEY: usersServiceKey,
        GATEWAY_SERVICE_PUBLIC_KEY: gatewayServicePublicKey,
        POSTS_SERVICE_PUBLIC_KEY: postsServicePublicKey,
      },
      readyUrl: `http://127.0.0.1:${usersPort}/readyz`,
      readyTimeoutMs: 60_000,
      logFile: join(work, 'users.log'),
      cwd: dirname(dirname(USERS_ENTRY)),
    });
    track(users);
    log(`users ready in ${users.readyMs.toFixed(0)} ms (pid ${users.pid}, port ${usersPort})`);

    const gatewayPort = await freePort();
    const profileDir = join(BENCH_DIR, 'profiles');
    if (flags['cpu-prof']) mkdirSync(profileDir, { recursive: true });
    const gateway = await startProcess({
      name: 'gateway',
      command: process.execPath,
      args: [
        ...(flags['gateway-node-flags']?.split(/\s+/).filter(Boolean) ?? []),
        ...(flags['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
        GATEWAY_ENTRY,
      ],
      env: {
        ...baseEnv,
        PORT: String(gatewayPort),
        USERS_SERVICE_URL: `http://127.0.0.1:${usersPort}`,
        JWT_SECRET: jwtSecret,
        SERVICE_PRIVATE_KEY: gatewayServiceKey,
        // The seed registers and the storm logs in from one IP: lift the per-IP limits.
        RATE_LIMIT_LOGIN_PER_IP: '1000000',
        RATE_LIMIT_REGISTER_PER_IP: '1000000',
      },
      readyUrl: `http://127.0.0.1:${gatewayPort}/readyz`,
      readyTimeoutMs: 30_000,
      logFile: join(work, 'gateway.log'),
      cwd: dirname(dirname(GATEWAY_ENTRY)),
    });
    track(gateway, 15_000); // --cpu-prof writes its profile on exit
    const idleRssMb = (sampleMemory(gateway.pid)?.rssKb ?? Number.NaN) / MB;
    log(
      `gateway ready in ${gateway.readyMs.toFixed(0)} ms (pid ${gateway.pid}, port ${gatewayPort}, RSS ${idleRssMb.toFixed(1)} MB)`,
    );

    let nginx: RunningNginx | null = null;
    if (settings.nginx) {
      const binary = await ensureNginx(log);
      const nginxDir = join(work, 'nginx');
      mkdirSync(nginxDir, { recursive: true });
      nginx = await startNginx(binary, nginxDir, usersPort);
      track(nginx);
      log(`nginx ready in ${nginx.readyMs.toFixed(0)} ms (port ${nginx.port})`);
    }

    const usersOrigin = `http://127.0.0.1:${usersPort}`;
    const gatewayOrigin = `http://127.0.0.1:${gatewayPort}`;

    log(`seeding ${settings.seededUsers} users through the gateway`);
    const seed = await seedUsers(gatewayOrigin, settings.seededUsers, 4);
    const firstEmail = seed.emails[0];
    if (firstEmail === undefined) throw new Error('no user was seeded');
    const accessToken = await logIn(gatewayOrigin, firstEmail, seed.password);
    const actorId = seed.ids[0];
    if (actorId === undefined) throw new Error('no user was seeded');
    // The same actor and live session as the access token, so (a) resolves the actor like (b) does.
    const serviceTokens = serviceTokenSource(serviceKeys.privateKey, actorClaimsOf(accessToken));

    const trpcPaths = seed.ids.map((id) => `/trpc/users.byId?input=${encodeURIComponent(JSON.stringify({ id }))}`);
    const restPaths = seed.ids.map((id) => `/api/v1/users/${id}`);
    const serviceHeaders = (): Record<string, string> => ({ authorization: `Bearer ${serviceTokens.current()}` });
    const accessHeaders = { authorization: `Bearer ${accessToken}` };

    // Every target must answer a real user before it is measured.
    await checkUserResponse(`${usersOrigin}${trpcPaths[0]}`, serviceHeaders(), actorId);
    await checkUserResponse(`${gatewayOrigin}${restPaths[0]}`, accessHeaders, actorId);
    if (nginx !== null)
      await checkUserResponse(`http://127.0.0.1:${nginx.port}${trpcPaths[0]}`, serviceHeaders(), actorId);

    const common = { connections: settings.connections, durationSeconds: settings.durationSeconds };
    const direct: LoadSpec = {
      ...common,
      id: 'a-users-direct',
      title: '(a) users direct, tRPC byId',
      origin: usersOrigin,
      method: 'GET',
      path: () => randomItem(trpcPaths),
      headers: serviceHeaders,
    };
    // (b) asks past the gateway's response cache (`Cache-Control: no-cache`): every request reaches
    // users, as (a) does. (b-cache) is the same load answered from the cache (issue 11).
    const uncachedHeaders = { ...accessHeaders, 'cache-control': 'no-cache' };
    const viaGateway: LoadSpec = {
      ...common,
      id: 'b-gateway',
      title: '(b) gateway, GET /api/v1/users/{id} (uncached)',
      origin: gatewayOrigin,
      method: 'GET',
      path: () => randomItem(restPaths),
      headers: () => uncachedHeaders,
    };
    const viaGatewayCached: LoadSpec = {
      ...viaGateway,
      id: 'b-cache-gateway',
      title: '(b-cache) gateway, GET /api/v1/users/{id} from the response cache',
      headers: () => accessHeaders,
    };
    const viaNginx: LoadSpec | null =
      nginx === null
        ? null
        : { ...direct, id: 'c-nginx', title: '(c) nginx → users, tRPC byId', origin: `http://127.0.0.1:${nginx.port}` };
    // The gateway limits logins per client IP + email (10 a minute by default), as it should:
    // the storm takes the seeded accounts in turn, i.e. many users logging in at once.
    const loginBodies = seed.emails.map((email) => JSON.stringify({ email, password: seed.password }));
    let nextLogin = 0;
    const storm: LoadSpec = {
      id: 'd-login-storm',
      title: '(d) login storm, POST /api/v1/auth/access',
      origin: gatewayOrigin,
      connections: settings.stormConnections,
      durationSeconds: settings.durationSeconds,
      method: 'POST',
      path: () => '/api/v1/auth/access',
      headers: () => ({ 'content-type': 'application/json' }),
      body: () => loginBodies[nextLogin++ % loginBodies.length] ?? '',
    };

    const results: LoadResult[] = [];
    let failed = 0;
    // CPU each process spent per measured request: steadier than rates on a shared machine.
    const cpuProcesses: Array<{ name: string; pid: number }> = [
      { name: 'users', pid: users.pid },
      { name: 'gateway', pid: gateway.pid },
      ...(nginx === null ? [] : [{ name: 'nginx', pid: nginx.pid }]),
    ];
    const cpuSnapshot = (): Record<string, number> => {
      const own = process.cpuUsage();
      const snapshot: Record<string, number> = { 'load generator': (own.user + own.system) / 1000 };
      for (const { name, pid } of cpuProcesses) snapshot[name] = cpuTimeMs(pid) ?? Number.NaN;
      return snapshot;
    };
    const withCpu = async (spec: LoadSpec): Promise<LoadResult> => {
      const before = cpuSnapshot();
      const result = await runLoad(spec);
      const after = cpuSnapshot();
      const cpuUsPerRequest: Record<string, number> = {};
      for (const name of Object.keys(before)) {
        cpuUsPerRequest[name] =
          (((after[name] ?? Number.NaN) - (before[name] ?? Number.NaN)) * 1000) / Math.max(1, result.ok);
      }
      return { ...result, cpuUsPerRequest };
    };
    const measure = async (spec: LoadSpec): Promise<LoadResult> => {
      log(
        `${spec.title}: ${settings.warmupSeconds} s warm-up + ${spec.durationSeconds} s at ${spec.connections} connections`,
      );
      const warmup = await runLoad({ ...spec, id: `${spec.id}-warmup`, durationSeconds: settings.warmupSeconds });
      const result = await withCpu(spec);
      failed += warmup.errors + result.errors;
      results.push(result);
      return result;
    };

    // The users service's memory under (a) (issue 13: its peak RSS), sampled like the gateway's.
    const usersWatch = watchMemory(users.pid, 50);
    const a = await measure(direct);
    const usersMem = usersWatch.stop();
    const b = await measure(viaGateway);
    const bCache = await measure(viaGatewayCached);
    const c = viaNginx === null ? null : await measure(viaNginx);

    // At 50 connections the medians are mostly queueing; one connection shows the hop itself.
    const single = { connections: 1, durationSeconds: Math.min(settings.durationSeconds, 5) };
    const a1 = await measure({ ...direct, ...single, id: 'a1-users-direct', title: '(a) users direct, 1 connection' });
    const b1 = await measure({ ...viaGateway, ...single, id: 'b1-gateway', title: '(b) gateway, 1 connection' });
    const c1 =
      viaNginx === null
        ? null
        : await measure({ ...viaNginx, ...single, id: 'c1-nginx', title: '(c) nginx → users, 1 connection' });

    log(`(b) during a login storm of ${settings.stormConnections} connections`);
    const [bStorm, d] = await runConcurrently(
      { ...viaGateway, id: 'b-during-storm', title: '(b) gateway during login storm' },
      storm,
    );
    failed += bStorm.errors + d.errors;
    results.push(bStorm, d);

    log(`(b) at ${settings.peakConnections} connections for the gateway's peak memory`);
    const memory = watchMemory(gateway.pid, 50);
    const peak = await withCpu({
      ...viaGateway,
      id: 'b-peak',
      title: `(b) gateway at ${settings.peakConnections} connections`,
      connections: settings.peakConnections,
      durationSeconds: settings.peakSeconds,
    });
    const mem = memory.stop();
    failed += peak.errors;
    results.push(peak);

    const pglite = database === null;
    const checks = buildChecks({
      a,
      b,
      bCache,
      c,
      a1,
      b1,
      c1,
      bStorm,
      storm: d,
      connections: settings.connections,
      peakConnections: settings.peakConnections,
      gatewayMemory: { idleRssMb, peakRssMb: mem.rssKb / MB, hwmMb: mem.hwmKb / MB, hwmScope: mem.hwmScope },
      usersMemory:
        usersMem.hwmKb > 0
          ? { peakRssMb: usersMem.rssKb / MB, hwmMb: usersMem.hwmKb / MB, hwmScope: usersMem.hwmScope }
          : null,
      readyMs: { users: users.readyMs, gateway: gateway.readyMs },
      pglite,
    });

    const readyMs: Record<string, number> = { users: users.readyMs, gateway: gateway.readyMs };
    if (nginx !== null) readyMs.nginx = nginx.readyMs;
    const report: BenchReport = {
      startedAt,
      commit: gitCommit(),
      quick,
      database: pglite ? 'pglite (memory://)' : 'postgresql',
      machine: {
        node: process.version,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
        loadAverageStart: loadStart,
        loadAverageEnd: loadavg(),
      },
      settings: {
        connections: settings.connections,
        durationSeconds: settings.durationSeconds,
        warmupSeconds: settings.warmupSeconds,
        stormConnections: settings.stormConnections,
        peakConnections: settings.peakConnections,
        seededUsers: settings.seededUsers,
        nginx: nginx !== null,
        ...(flags['users-entry'] === undefined && flags['gateway-entry'] === undefined
          ? {}
          : { entries: { users: USERS_ENTRY, gateway: GATEWAY_ENTRY } }),
        ...(flags['gateway-node-flags'] === undefined ? {} : { gatewayNodeFlags: flags['gateway-node-flags'] }),
      },
      scenarios: results,
      readyMs,
      gatewayMemory: { idleRssMb, peakRssMb: mem.rssKb / MB, hwmMb: mem.hwmKb / MB, hwmScope: mem.hwmScope },
      usersMemory:
        usersMem.hwmKb > 0
          ? { peakRssMb: usersMem.rssKb / MB, hwmMb: usersMem.hwmKb / MB, hwmScope: usersMem.hwmScope }
          : null,
      checks,
      failedRequests: failed,
    };

    console.log(`\n${renderText(report)}\n`);
    const written = writeReport(
      report,
      join(BENCH_DIR, 'results'),
      flags.out ?? (quick ? 'quick' : flags['cpu-prof'] ? 'profiled' : 'latest'),
    );
    log(`wrote ${written.json} and ${written.markdown}`);
    if (failed > 0) {
      keepWork = true;
      for (const r of results) {
        if (r.errors > 0)
          console.error(`[bench] ${r.title}: ${r.errors} failed, statuses ${JSON.stringify(r.statusCodes)}`);
      }
      console.error(`[bench] FAILED: ${failed} request(s) did not succeed`);
      return 1;
    }
    return 0;
  } catch (error) {
    keepWork = true;
    throw error;
  }
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    console.error(`[bench] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await cleanup();
    process.exit(1);
  });
