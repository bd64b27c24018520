import { describe, expect, it } from 'vitest';
import { type BenchReport, renderMarkdown, renderText, verdict } from './report.js';
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
