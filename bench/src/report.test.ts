import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type BenchReport,
  buildChecks,
  type CheckInputs,
  renderMarkdown,
  renderText,
  verdict,
  writeReport,
} from './report.js';
import type { LoadResult } from './scenarios.js';

const load = (id: string, rps: number, p50: number): LoadResult => ({
  id,
  title: id,
  connections: 50,
  durationSeconds: 10,
  requestsPerSecond: rps,
  ok: rps * 10,
  p50,
  p90: p50 * 2,
  p99: p50 * 3,
  max: p50 * 4,
  errors: 0,
  non2xx: 0,
  connectionErrors: 0,
  timeouts: 0,
  statusCodes: { '200': rps * 10 },
});

const report: BenchReport = {
  startedAt: '2026-11-30T00:00:00.000Z',
  commit: 'abc1234',
  quick: false,
  database: 'postgresql',
  machine: { node: 'v20', cpus: 2, cpuModel: 'cpu', loadAverageStart: [0, 0, 0], loadAverageEnd: [1, 1, 1] },
  settings: {
    connections: 50,
    durationSeconds: 10,
    warmupSeconds: 3,
    stormConnections: 4,
    peakConnections: 200,
    seededUsers: 200,
    nginx: true,
  },
  scenarios: [load('(a) direct', 5000, 9.5), load('(b) gateway | REST', 4000, 11.25)],
  readyMs: { users: 300, gateway: 200 },
  gatewayMemory: { idleRssMb: 80, peakRssMb: 90, hwmMb: 95 },
  checks: [{ name: '(b)/(a) throughput', value: 0.8, unit: '', target: '≥ 0.80', verdict: 'PASS' }],
  failedRequests: 0,
};

describe('verdict', () => {
  it('passes a value at the limit, both ways', () => {
    expect(verdict(1, 1)).toBe('PASS');
    expect(verdict(0.8, 0.8, true)).toBe('PASS');
  });

  it('misses past the limit, and is N/A without a value', () => {
    expect(verdict(1.01, 1)).toBe('MISS');
    expect(verdict(0.79, 0.8, true)).toBe('MISS');
    expect(verdict(null, 1)).toBe('N/A');
    expect(verdict(Number.NaN, 1)).toBe('N/A');
  });
});

describe('rendering', () => {
  it('prints one row per scenario with rate, p50, p99 and errors', () => {
    const text = renderText(report);
    expect(text).toMatch(/\(a\) direct\s+50\s+5000\s+9\.50\s+28\.50\s+0/);
    expect(text).toContain('PASS');
  });

  it('writes a Markdown table that escapes pipes in cells', () => {
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('| (b) gateway \\| REST | 50 | 4000 | 11.25 | 33.75 | 0 |');
    expect(markdown).toContain('| ---: |');
  });
});

describe('checks', () => {
  const withCpu = (result: LoadResult, cpu: Record<string, number>): LoadResult => ({
    ...result,
    cpuUsPerRequest: cpu,
  });
  const inputs = (overrides: Partial<CheckInputs> = {}): CheckInputs => ({
    a: withCpu(load('(a)', 1000, 10), { users: 600, 'load generator': 100 }),
    b: withCpu(load('(b)', 850, 12), { gateway: 300, users: 600, 'load generator': 100 }),
    bCache: load('(b-cache)', 6000, 2),
    c: withCpu(load('(c)', 1000, 10.5), { nginx: 100, users: 600 }),
    a1: load('(a) 1', 800, 1),
    b1: load('(b) 1', 600, 1.5),
    c1: load('(c) 1', 780, 1.1),
    bStorm: { ...load('(b) storm', 800, 12), p99: 40 },
    storm: load('(d)', 10, 300),
    connections: 50,
    peakConnections: 200,
    gatewayMemory: { idleRssMb: 90, peakRssMb: 140, hwmMb: 150 },
    usersMemory: { peakRssMb: 120, hwmMb: 130 },
    readyMs: { users: 400, gateway: 300 },
    pglite: false,
    ...overrides,
  });
  const byName = (checks: ReturnType<typeof buildChecks>, name: string) => {
    const found = checks.find((check) => check.name.startsWith(name));
    if (!found) throw new Error(`no check ${name}`);
    return found;
  };

  it('checks the issue-13 ratios: CPU against nginx, throughput, storm p99, peak memory', () => {
    const checks = buildChecks(inputs());
    expect(byName(checks, 'gateway CPU (b) ÷ nginx CPU (c)')).toMatchObject({ value: 3, verdict: 'PASS' });
    expect(byName(checks, 'users CPU (a) ÷ nginx CPU (c)')).toMatchObject({ value: 6, verdict: 'PASS' });
    expect(byName(checks, '(b)/(a) throughput')).toMatchObject({ value: 0.85, verdict: 'PASS' });
    // (b)'s p99 alone is 3 × its p50 (36 ms): 40 ms during the storm is 1.11×.
    expect(byName(checks, '(b) p99 during login storm ÷ (b) p99 alone').value).toBeCloseTo(40 / 36);
    expect(byName(checks, '(b) p99 during login storm ÷ (b) p99 alone').verdict).toBe('PASS');
    expect(byName(checks, 'gateway peak RSS')).toMatchObject({ value: 150, verdict: 'PASS', target: '≤ 160 MB' });
    expect(byName(checks, 'users peak RSS under (a)')).toMatchObject({ value: 130, verdict: 'PASS' });
  });

  it('says which span each peak covers: the load alone (VmHWM reset before it) or the process life', () => {
    const reset = buildChecks(
      inputs({
        gatewayMemory: { idleRssMb: 90, peakRssMb: 140, hwmMb: 150, hwmScope: 'load' },
        usersMemory: { peakRssMb: 120, hwmMb: 130, hwmScope: 'load' },
      }),
    );
    expect(byName(reset, 'gateway peak RSS').note).toMatch(/^VmHWM during the load/);
    expect(byName(reset, 'users peak RSS under (a)').note).toMatch(/^VmHWM during the load/);
    expect(byName(buildChecks(inputs()), 'gateway peak RSS').note).toMatch(/^VmHWM over the process life/);
  });

  it('misses each target past its limit', () => {
    const checks = buildChecks(
      inputs({
        b: withCpu(load('(b)', 700, 12), { gateway: 450, users: 600, 'load generator': 100 }),
        a: withCpu(load('(a)', 1000, 10), { users: 800, 'load generator': 100 }),
        bStorm: { ...load('(b) storm', 700, 12), p99: 46 },
        gatewayMemory: { idleRssMb: 90, peakRssMb: 150, hwmMb: 170 },
        usersMemory: { peakRssMb: 150, hwmMb: 161 },
      }),
    );
    for (const name of [
      'gateway CPU (b) ÷ nginx CPU (c)',
      'users CPU (a) ÷ nginx CPU (c)',
      '(b)/(a) throughput',
      '(b) p99 during login storm ÷ (b) p99 alone',
      'gateway peak RSS',
      'users peak RSS under (a)',
    ]) {
      expect(byName(checks, name).verdict, name).toBe('MISS');
    }
  });

  it('keeps the absolute figures as INFO, and says N/A without nginx or a users sample', () => {
    const checks = buildChecks(inputs({ c: null, c1: null, usersMemory: null }));
    expect(byName(checks, 'gateway CPU (b) ÷ nginx CPU (c)').verdict).toBe('N/A');
    expect(byName(checks, 'users peak RSS under (a)').verdict).toBe('N/A');
    expect(byName(checks, 'gateway CPU per request')).toMatchObject({ value: 300, verdict: 'INFO' });
    expect(byName(checks, 'added p50, gateway (b)−(a), 50 conns')).toMatchObject({ value: 2, verdict: 'INFO' });
    expect(byName(checks, 'p99 of (b) during login storm')).toMatchObject({ value: 40, verdict: 'INFO' });
  });
});

describe('writeReport', () => {
  it('turns the last latest.* into previous.*, so two full runs leave both; other names rotate nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-results-'));
    try {
      writeReport({ ...report, commit: 'first' }, dir, 'latest');
      writeReport({ ...report, commit: 'second' }, dir, 'latest');
      writeReport({ ...report, commit: 'quick' }, dir, 'quick');
      const commitOf = (name: string) =>
        (JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as BenchReport).commit;
      expect([commitOf('previous'), commitOf('latest'), commitOf('quick')]).toEqual(['first', 'second', 'quick']);
      expect(readFileSync(join(dir, 'previous.md'), 'utf8')).toContain('first');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
