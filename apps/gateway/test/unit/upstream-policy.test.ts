import { describe, expect, it } from 'vitest';
import { UpstreamFailure } from '../../src/upstream/errors.js';
import { createUpstreamPolicy } from '../../src/upstream/policy.js';

describe('createUpstreamPolicy with a shorter per-call timeout (a composition part’s)', () => {
  it('rejects with GATEWAY_TIMEOUT near the call’s timeout, not the service’s, and aborts the call', async () => {
    const policy = createUpstreamPolicy({ service: 'posts', timeoutMs: 5000 });
    let aborted = false;
    const started = performance.now();
    const error = await policy
      .execute(
        (signal) =>
          new Promise((_, reject) => {
            signal.addEventListener('abort', () => {
              aborted = true;
              reject(new Error('aborted'));
            });
          }),
        150,
      )
      .catch((caught: unknown) => caught);
    const elapsed = performance.now() - started;
    policy.dispose();
    expect(error).toBeInstanceOf(UpstreamFailure);
    expect((error as UpstreamFailure).code).toBe('GATEWAY_TIMEOUT');
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1000);
    expect(aborted).toBe(true);
  });

  it('keeps the service’s timeout when the call asks for a longer one, and answers fast calls', async () => {
    const policy = createUpstreamPolicy({ service: 'posts', timeoutMs: 100 });
    const started = performance.now();
    const error = await policy.execute(() => new Promise(() => {}), 10_000).catch((caught: unknown) => caught);
    expect((error as UpstreamFailure).code).toBe('GATEWAY_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await policy.execute(async () => 'ok', 50)).toBe('ok');
    policy.dispose();
  });
});
