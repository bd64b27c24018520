import { describe, expect, it } from 'vitest';
import { type CpuProfile, packageOf, summarize } from './profile.js';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

/** root → handler (app) → verify (jsonwebtoken); plus idle and GC samples. */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 4, 5] },
    { id: 2, callFrame: frame('handler', 'file:///work/main/apps/gateway/dist/main.js', 9), children: [3] },
    { id: 3, callFrame: frame('verify', 'file:///work/main/node_modules/jsonwebtoken/verify.js', 20) },
    { id: 4, callFrame: frame('(idle)') },
    { id: 5, callFrame: frame('(garbage collector)') },
  ],
  samples: [3, 3, 2, 4, 5],
  timeDeltas: [1000, 1000, 1000, 5000, 500],
};

describe('summarize', () => {
  const summary = summarize(profile);

  it('attributes self time to the leaf frame, in ms, biggest first', () => {
    expect(summary.self[0]).toEqual({ label: 'verify jsonwebtoken/verify.js:21', ms: 2 });
    expect(summary.self.map((row) => row.label)).toContain('(garbage collector)');
  });

  it('attributes total time to every frame on the stack', () => {
    expect(summary.total.find((row) => row.label.startsWith('handler'))?.ms).toBe(3);
  });

  it('keeps idle time out of the rows and reports it apart', () => {
    expect(summary.idleMs).toBe(5);
    expect(summary.sampledMs).toBe(8.5);
    expect(summary.self.some((row) => row.label === '(idle)')).toBe(false);
  });

  it('groups self time by package', () => {
    expect(summary.packages).toContainEqual({ label: 'jsonwebtoken', ms: 2 });
    expect(summary.packages).toContainEqual({ label: 'apps/gateway', ms: 1 });
  });
});

describe('summarize with callersOf', () => {
  it('breaks a leaf’s self time down by its caller chain', () => {
    const { callers } = summarize(profile, { callersOf: 'verify', callerDepth: 1 });
    expect(callers).toEqual([
      { label: 'verify jsonwebtoken/verify.js:21 ← handler apps/gateway/dist/main.js:10', ms: 2 },
    ]);
  });
});

describe('packageOf', () => {
  it('names scoped packages, node builtins and native frames', () => {
    expect(packageOf('file:///x/node_modules/@trpc/server/dist/a.mjs', 'f')).toBe('@trpc/server');
    expect(packageOf('node:internal/crypto/keys', 'f')).toBe('node:internal/crypto');
    expect(packageOf('node:net', 'f')).toBe('node:net');
    expect(packageOf('', 'writev')).toBe('(native / V8 builtins)');
  });
});
