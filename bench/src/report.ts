import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadResult } from './scenarios.js';

/** PASS/MISS against an issue-5 target; INFO where the target does not apply to this run. */
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
    /** VmHWM at the end of that load: the peak over the process's life. */
    readonly hwmMb: number;
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
 * Writes `<dir>/<name>.json` and `<dir>/<name>.md`.
 * @returns the two paths.
 */
export function writeReport(report: BenchReport, dir: string, name: string): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${name}.json`);
  const markdown = join(dir, `${name}.md`);
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(markdown, renderMarkdown(report));
  return { json, markdown };
}
