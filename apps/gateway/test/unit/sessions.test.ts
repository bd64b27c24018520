import { describe, expect, it } from 'vitest';
import { createSessionVerifier, type LiveActor } from '../../src/auth/sessions.js';

const ada = { id: 7, role: 'user' as const, sessionId: 'session-a' };

/** A lookup that counts its calls and answers what `answer` says at call time. */
function counting(answer: () => Promise<LiveActor>) {
  const state = { calls: 0 };
  return {
    state,
    lookup: () => {
      state.calls += 1;
      return answer();
    },
  };
}

describe('createSessionVerifier', () => {
  it('makes one lookup for 100 concurrent checks of one session (single flight)', async () => {
    const { state, lookup } = counting(() => new Promise((resolve) => setTimeout(() => resolve(ada), 20)));
    const verifier = createSessionVerifier({ lookup });
    const results = await Promise.all(Array.from({ length: 100 }, () => verifier.verify(ada, 'r')));
    expect(state.calls).toBe(1);
    expect(results.every((result) => result === ada)).toBe(true);
  });

  it('reuses an answer for ttlMs, then asks again and sees the revocation', async () => {
    let live: LiveActor = { ...ada, role: 'admin' };
    const { state, lookup } = counting(async () => live);
    const verifier = createSessionVerifier({ lookup, ttlMs: 50 });
    expect(await verifier.verify(ada, 'r')).toMatchObject({ role: 'admin' });
    live = null;
    expect(await verifier.verify(ada, 'r')).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await verifier.verify(ada, 'r')).toBeNull();
    expect(state.calls).toBe(2);
  });

  it('keys by session and user: another user naming the same sid is looked up on its own', async () => {
    const { state, lookup } = counting(async () => null);
    const verifier = createSessionVerifier({ lookup });
    await verifier.verify(ada, 'r');
    await verifier.verify({ ...ada, id: 8 }, 'r');
    expect(state.calls).toBe(2);
  });

  it('does not cache a failed lookup (users down): the next check asks again', async () => {
    let fail = true;
    const { state, lookup } = counting(async () => {
      if (fail) throw new Error('users unreachable');
      return ada;
    });
    const verifier = createSessionVerifier({ lookup });
    await expect(verifier.verify(ada, 'r')).rejects.toThrow('users unreachable');
    fail = false;
    expect(await verifier.verify(ada, 'r')).toBe(ada);
    expect(state.calls).toBe(2);
  });

  it('sweeps past maxEntries instead of growing without bound', async () => {
    const { state, lookup: second } = counting(async () => null);
    const other = createSessionVerifier({ lookup: second, maxEntries: 10, ttlMs: 60_000 });
    for (let n = 0; n < 11; n += 1) await other.verify({ ...ada, sessionId: `s-${n}` }, 'r');
    await other.verify({ ...ada, sessionId: 's-0' }, 'r');
    // s-0 was the oldest entry when the 11th arrived, so it was dropped and is looked up again.
    expect(state.calls).toBe(12);
  });
});
