import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadResult } from './scenarios.js';

/** PASS/MISS against an issue-13 target; INFO where a figure has no target or it does not apply to this run. */
export type Verdict = 'PASS' | 'MISS' | 'INFO' | 'N/A';

/** One derived number with its target, e.g. the (b)/(a) throughput ratio. */
export interface Check {
  readonly name: string;
  readonly value: number | null;
  readonly unit: string;
  readonly target: string;
  readonly verdict: Verdict;
  readonly note?: string;
}

/** Everything one bench run measured; written as JSON and rendered as text and Markdown. */
export interface BenchReport {
  readonly startedAt: string;
  /** `git rev-parse --short HEAD` of the repository, with `+dirty` when its tree had changes. */
  readonly commit: string;
  readonly quick: boolean;
  readonly database: 'postgresql' | 'pglite (memory://)';
  readonly machine: {
    readonly node: string;
    readonly cpus: number;
    readonly cpuModel: string;
    readonly loadAverageStart: readonly number[];
    readonly loadAverageEnd: readonly number[];
  };
  readonly settings: {
    readonly connections: number;
    readonly durationSeconds: number;
    readonly warmupSeconds: number;
    readonly stormConnections: number;
    readonly peakConnections: number;
    readonly seededUsers: number;
    readonly nginx: boolean;
    /** Builds that ran, when not the repository's own (`--users-entry`, `--gateway-entry`). */
    readonly entries?: { readonly users: string; readonly gateway: string };
    readonly gatewayNodeFlags?: string;
  };
  readonly scenarios: readonly LoadResult[];
  readonly readyMs: Readonly<Record<string, number>>;
  readonly gatewayMemory: {
    /** VmRSS right after `/readyz` first answered 200. */
    readonly idleRssMb: number;
    /** Largest VmRSS sampled (every 50 ms) during the peak-connections load. */
    readonly peakRssMb: number;
    /** VmHWM at the end of that load: its peak (`hwmScope` load) or the process life's (`life`). */
    readonly hwmMb: number;
    readonly hwmScope?: 'load' | 'life' | undefined;
  } | null;
  /** The users service's memory during load (a): largest VmRSS sampled, VmHWM at its end (scope as above). */
  readonly usersMemory?: {
    readonly peakRssMb: number;
    readonly hwmMb: number;
    readonly hwmScope?: 'load' | 'life' | undefined;
  } | null;
  readonly checks: readonly Check[];
  /** Failed requests over every load, warm-ups included. */
  readonly failedRequests: number;
}

/** `value <= limit` (or `>=` when `atLeast`) as a verdict; N/A when the value is missing. */
export function verdict(value: number | null, limit: number, atLeast = false): Verdict {
  if (value === null || Number.isNaN(value)) return 'N/A';
  return (atLeast ? value >= limit : value <= limit) ? 'PASS' : 'MISS';
}

/** The issue-13 targets (ratios, so that they hold on shared cores), checked by {@link buildChecks}. */
export const TARGETS = {
  /** gateway CPU µs/req in (b) ÷ nginx CPU µs/req in (c), at most. */
  gatewayCpuPerNginx: 4,
  /** users CPU µs/req in (a) ÷ nginx CPU µs/req in (c), at most. */
  usersCpuPerNginx: 7,
  /** (b) req/s ÷ (a) req/s, at least. */
  throughputRatio: 0.8,
  /** (b) p99 during the login storm ÷ (b) p99 alone, at most. */
  stormP99Ratio: 1.25,
  /** Gateway VmHWM after (b) at the peak connections, MB, at most. */
  gatewayRssMb: 160,
  /** Users VmHWM after (a), MB, at most. */
  usersRssMb: 160,
} as const;

/** What {@link buildChecks} derives the checks from: every load of one run and the processes' memory. */
export interface CheckInputs {
  readonly a: LoadResult;
  readonly b: LoadResult;
  readonly bCache: LoadResult;
  readonly c: LoadResult | null;
  readonly a1: LoadResult;
  readonly b1: LoadResult;
  readonly c1: LoadResult | null;
  /** (b) run during the storm, and the storm (d) itself. */
  readonly bStorm: LoadResult;
  readonly storm: LoadResult;
  readonly connections: number;
  readonly peakConnections: number;
  /** Gateway memory: VmRSS after start, largest VmRSS during the peak load, VmHWM after it (MB). */
  readonly gatewayMemory: {
    readonly idleRssMb: number;
    readonly peakRssMb: number;
    readonly hwmMb: number;
    readonly hwmScope?: 'load' | 'life' | undefined;
  };
  /** Users memory during (a) (MB); null when it could not be sampled. */
  readonly usersMemory: {
    readonly peakRssMb: number;
    readonly hwmMb: number;
    readonly hwmScope?: 'load' | 'life' | undefined;
  } | null;
  readonly readyMs: { readonly users: number; readonly gateway: number };
  /** Users ran on PGlite `memory://` (its start-to-ready target does not apply). */
  readonly pglite: boolean;
}

const cpuOf = (r: LoadResult | null, name: string): number => r?.cpuUsPerRequest?.[name] ?? Number.NaN;

/** Added median latency of the gateway and of nginx over the direct call (figures), and their ratio. */
function addedLatencyChecks(label: string, a: LoadResult, b: LoadResult, c: LoadResult | null): Check[] {
  const gateway = b.p50 - a.p50;
  const nginx = c === null ? null : c.p50 - a.p50;
  return [
    { name: `added p50, gateway (b)−(a), ${label}`, value: gateway, unit: ' ms', target: '—', verdict: 'INFO' },
    {
      name: `added p50, nginx (c)−(a), ${label}`,
      value: nginx,
      unit: ' ms',
      target: '—',
      verdict: nginx === null ? 'N/A' : 'INFO',
    },
    {
      name: `gateway added / nginx added, ${label}`,
      value: nginx === null || nginx <= 0 ? null : gateway / nginx,
      unit: '×',
      target: '≤ 2.00×',
      verdict: nginx === null ? 'N/A' : verdict(gateway, 2 * Math.max(nginx, 0)),
      ...(nginx !== null && nginx <= 0 ? { note: 'nginx added nothing measurable' } : {}),
    },
  ];
}

/** `x ÷ y`, or NaN when `y` is not a positive number (no nginx, no CPU sampled). */
const ratio = (x: number, y: number): number => (y > 0 ? x / y : Number.NaN);

/** What a VmHWM figure covers, for the checks' notes. */
function hwmSpan(scope: 'load' | 'life' | undefined): string {
  return scope === 'load'
    ? 'VmHWM during the load (reset before it: /proc/<pid>/clear_refs)'
    : 'VmHWM over the process life';
}

/**
 * The checks table of a run: issue 13's targets as ratios (CPU per request against nginx's, throughput
 * through the gateway against direct, the storm's p99 against (b) alone) and peak memory, each PASS or
 * MISS; beside them, as INFO, every figure they are made of (absolute CPU µs, p50s, p99s, RSS).
 */
export function buildChecks(i: CheckInputs): Check[] {
  const { a, b, bCache, c } = i;
  const nginxCpu = cpuOf(c, 'nginx');
  const gatewayPerNginx = ratio(cpuOf(b, 'gateway'), nginxCpu);
  const usersPerNginx = ratio(cpuOf(a, 'users'), nginxCpu);
  const throughput = a.requestsPerSecond > 0 ? b.requestsPerSecond / a.requestsPerSecond : Number.NaN;
  const stormRatio = ratio(i.bStorm.p99, b.p99);
  const directCost = cpuOf(a, 'users') + cpuOf(a, 'load generator');
  const gatewayCost = cpuOf(b, 'gateway') + cpuOf(b, 'users') + cpuOf(b, 'load generator');
  const cachedCost = cpuOf(bCache, 'gateway') + cpuOf(bCache, 'users') + cpuOf(bCache, 'load generator');
  const gm = i.gatewayMemory;
  const um = i.usersMemory;
  return [
    {
      name: 'gateway CPU (b) ÷ nginx CPU (c)',
      value: c === null ? null : gatewayPerNginx,
      unit: '×',
      target: `≤ ${TARGETS.gatewayCpuPerNginx}×`,
      verdict: c === null ? 'N/A' : verdict(gatewayPerNginx, TARGETS.gatewayCpuPerNginx),
      note: `gateway ${cpuOf(b, 'gateway').toFixed(0)} µs/req in (b); nginx ${nginxCpu.toFixed(0)} µs/req in (c)`,
    },
    {
      name: 'users CPU (a) ÷ nginx CPU (c)',
      value: c === null ? null : usersPerNginx,
      unit: '×',
      target: `≤ ${TARGETS.usersCpuPerNginx}×`,
      verdict: c === null ? 'N/A' : verdict(usersPerNginx, TARGETS.usersCpuPerNginx),
      note: `users ${cpuOf(a, 'users').toFixed(0)} µs/req direct, ${cpuOf(b, 'users').toFixed(0)} µs/req behind the gateway`,
    },
    {
      name: '(b)/(a) throughput',
      value: throughput,
      unit: '',
      target: `≥ ${TARGETS.throughputRatio.toFixed(2)}`,
      verdict: verdict(throughput, TARGETS.throughputRatio, true),
      note: `(a) ${a.requestsPerSecond.toFixed(0)} req/s, (b) ${b.requestsPerSecond.toFixed(0)} req/s`,
    },
    {
      name: '(b) p99 during login storm ÷ (b) p99 alone',
      value: stormRatio,
      unit: '×',
      target: `≤ ${TARGETS.stormP99Ratio}×`,
      verdict: verdict(stormRatio, TARGETS.stormP99Ratio),
      note: `${i.bStorm.p99.toFixed(1)} ms during, ${b.p99.toFixed(1)} ms alone; storm ${i.storm.requestsPerSecond.toFixed(1)} logins/s, p99 ${i.storm.p99.toFixed(1)} ms`,
    },
    {
      name: `gateway peak RSS (${i.peakConnections} conns)`,
      value: gm.hwmMb,
      unit: ' MB',
      target: `≤ ${TARGETS.gatewayRssMb} MB`,
      verdict: verdict(gm.hwmMb, TARGETS.gatewayRssMb),
      note: `${hwmSpan(gm.hwmScope)}; max VmRSS during the load ${gm.peakRssMb.toFixed(1)} MB; idle after start ${gm.idleRssMb.toFixed(1)} MB`,
    },
    {
      name: 'users peak RSS under (a)',
      value: um?.hwmMb ?? null,
      unit: ' MB',
      target: `≤ ${TARGETS.usersRssMb} MB`,
      verdict: um === null ? 'N/A' : verdict(um.hwmMb, TARGETS.usersRssMb),
      ...(um === null
        ? {}
        : {
            note: `${hwmSpan(um.hwmScope)}; max VmRSS during (a) ${um.peakRssMb.toFixed(1)} MB`,
          }),
    },
    {
      name: '(b-cache)/(b) throughput, cached/uncached',
      value: b.requestsPerSecond > 0 ? bCache.requestsPerSecond / b.requestsPerSecond : null,
      unit: '',
      target: '≥ 5',
      verdict: verdict(b.requestsPerSecond > 0 ? bCache.requestsPerSecond / b.requestsPerSecond : null, 5, true),
      note: `cached ${bCache.requestsPerSecond.toFixed(0)} req/s, uncached ${b.requestsPerSecond.toFixed(0)} req/s`,
    },
    ...addedLatencyChecks(`${i.connections} conns`, a, b, c),
    ...addedLatencyChecks('1 conn', i.a1, i.b1, i.c1),
    {
      name: 'gateway CPU per request',
      value: cpuOf(b, 'gateway'),
      unit: ' µs',
      target: '—',
      verdict: 'INFO',
      note: `${c === null ? '' : `nginx ${nginxCpu.toFixed(0)} µs; `}users ${cpuOf(a, 'users').toFixed(0)} µs direct, ${cpuOf(b, 'users').toFixed(0)} µs behind the gateway`,
    },
    {
      name: '(b)/(a) throughput if CPU-bound',
      value: directCost / gatewayCost,
      unit: '',
      target: `≥ ${TARGETS.throughputRatio.toFixed(2)}`,
      verdict: 'INFO',
      note: '(users + autocannon µs/req in a) ÷ (gateway + users + autocannon µs/req in b): the ceiling on shared cores',
    },
    {
      name: '(b-cache)/(b) throughput if CPU-bound',
      value: cachedCost > 0 ? gatewayCost / cachedCost : null,
      unit: '',
      target: '≥ 5',
      verdict: 'INFO',
      note: `(gateway + users + autocannon µs/req in b) ÷ (gateway + users + autocannon µs/req in b-cache): the ceiling on shared cores; a hit costs the gateway ${cpuOf(bCache, 'gateway').toFixed(0)} µs, the load generator ${cpuOf(bCache, 'load generator').toFixed(0)} µs`,
    },
    {
      name: 'p99 of (b) during login storm',
      value: i.bStorm.p99,
      unit: ' ms',
      target: '—',
      verdict: 'INFO',
      note: `storm: ${i.storm.requestsPerSecond.toFixed(1)} logins/s, p99 ${i.storm.p99.toFixed(1)} ms`,
    },
    {
      name: 'users start-to-ready',
      value: i.readyMs.users,
      unit: ' ms',
      target: '< 1000 ms (PostgreSQL)',
      verdict: i.pglite ? 'INFO' : verdict(i.readyMs.users, 1000 - 1e-9),
      ...(i.pglite ? { note: 'PGlite memory:// is created at every start: target not applicable' } : {}),
    },
    {
      name: 'gateway start-to-ready',
      value: i.readyMs.gateway,
      unit: ' ms',
      target: '< 1000 ms',
      verdict: verdict(i.readyMs.gateway, 1000 - 1e-9),
    },
  ];
}

function fmt(value: number | null, digits = 2): string {
  if (value === null || Number.isNaN(value)) return '—';
  return value.toFixed(digits);
}

function scenarioRows(report: BenchReport): string[][] {
  return report.scenarios.map((s) => [
    s.title,
    String(s.connections),
    fmt(s.requestsPerSecond, 0),
    fmt(s.p50),
    fmt(s.p99),
    String(s.errors),
    ...CPU_COLUMNS.map((name) => fmt(s.cpuUsPerRequest?.[name] ?? null, 0)),
  ]);
}

function checkRows(report: BenchReport): string[][] {
  return report.checks.map((c) => [c.name, `${fmt(c.value)}${c.unit}`, c.target, c.verdict, c.note ?? '']);
}

function textTable(header: readonly string[], rows: readonly string[][], rightAligned: ReadonlySet<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function markdownTable(
  header: readonly string[],
  rows: readonly string[][],
  rightAligned: ReadonlySet<number>,
): string {
  const esc = (cell: string): string => cell.replaceAll('|', '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `| ${header.map((_, i) => (rightAligned.has(i) ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** Processes whose CPU per request is shown, in this order, and their column titles. */
const CPU_COLUMNS = ['gateway', 'users', 'nginx', 'load generator'] as const;
const SCENARIO_HEADER = [
  'scenario',
  'conns',
  'req/s',
  'p50 ms',
  'p99 ms',
  'errors',
  'gateway µs/req',
  'users µs/req',
  'nginx µs/req',
  'autocannon µs/req',
];
const SCENARIO_RIGHT = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9]);
const CHECK_HEADER = ['measure', 'value', 'target', 'verdict', 'note'];

function context(report: BenchReport): string {
  const m = report.machine;
  return (
    `${report.quick ? 'quick smoke run' : 'full run'} · ${report.startedAt} · commit ${report.commit} · node ${m.node} · ${m.cpus}× ${m.cpuModel} · ` +
    `users on ${report.database} · load average ${m.loadAverageStart.map((l) => l.toFixed(2)).join(' ')} → ` +
    `${m.loadAverageEnd.map((l) => l.toFixed(2)).join(' ')} · ${report.settings.durationSeconds} s per load after ` +
    `${report.settings.warmupSeconds} s warm-up · ${report.settings.seededUsers} seeded users` +
    (report.settings.entries ? ` · builds ${report.settings.entries.users}, ${report.settings.entries.gateway}` : '') +
    (report.settings.gatewayNodeFlags ? ` · gateway node flags ${report.settings.gatewayNodeFlags}` : '')
  );
}

/** The report as the plain-text tables printed at the end of a run. */
export function renderText(report: BenchReport): string {
  return [
    context(report),
    '',
    textTable(SCENARIO_HEADER, scenarioRows(report), SCENARIO_RIGHT),
    '',
    textTable(CHECK_HEADER, checkRows(report), new Set([1])),
    '',
    `failed requests (all loads, warm-ups included): ${report.failedRequests}`,
  ].join('\n');
}

/** The report as Markdown (written to `bench/results/<name>.md`). */
export function renderMarkdown(report: BenchReport): string {
  return [
    '# Basis benchmark',
    '',
    context(report),
    '',
    markdownTable(SCENARIO_HEADER, scenarioRows(report), SCENARIO_RIGHT),
    '',
    'Latencies are over 2xx responses, with sub-millisecond precision; errors = non-2xx + connection errors + timeouts.',
    'µs/req: CPU time (user + system, from /proc, 10 ms ticks) each process spent during the measured load, per 2xx response;',
    'steadier than rates when the machine is shared. Loads run at the same time (the storm) show none.',
    'Everything ran on one machine: the load generator shares the CPUs with the services.',
    '',
    markdownTable(CHECK_HEADER, checkRows(report), new Set([1])),
    '',
    `Failed requests (all loads, warm-ups included): ${report.failedRequests}.`,
    '',
  ].join('\n');
}

/**
 * Writes `<dir>/<name>.json` and `<dir>/<name>.md`. Writing `latest` first renames the existing `latest.*`
 * to `previous.*`, so two full runs back to back leave both in `results/` (the committed pair).
 * @returns the two paths.
 */
export function writeReport(report: BenchReport, dir: string, name: string): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${name}.json`);
  const markdown = join(dir, `${name}.md`);
  if (name === 'latest')
    for (const extension of ['json', 'md']) {
      const current = join(dir, `latest.${extension}`);
      if (existsSync(current)) renameSync(current, join(dir, `previous.${extension}`));
    }
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(markdown, renderMarkdown(report));
  return { json, markdown };
}
