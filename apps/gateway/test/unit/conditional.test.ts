import { describe, expect, it } from 'vitest';
import { cacheControl, ifNoneMatchMatches, strongEtag } from '../../src/cache/conditional.js';
import { stableKey } from '../../src/cache/response-cache.js';

describe('If-None-Match against a strong tag (RFC 9110 §13.1.2)', () => {
  const etag = strongEtag('{"id":1}');

  it('makes a strong, quoted tag that changes with the bytes', () => {
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(strongEtag('{"id":2}')).not.toBe(etag);
  });

  it.each([
    ['the tag itself', etag],
    ['*', '*'],
    ['* with spaces', '  *  '],
    ['a list holding it', `"a", ${etag}, "b"`],
    ['its weak form (weak comparison)', `W/${etag}`],
    ['a list without spaces', `"a",${etag}`],
    ['two header lines', ['"a"', etag]],
  ])('matches %s', (_name, header) => {
    expect(ifNoneMatchMatches(header, etag)).toBe(true);
  });

  it.each([
    ['absent', undefined],
    ['another tag', '"other"'],
    ['the tag unquoted', etag.slice(1, -1)],
    ['garbage', 'garbage'],
    ['empty members', ', ,'],
    ['* inside a list', `"a", *`],
    ['an unterminated tag', `${etag.slice(0, -1)}`],
    ['a lowercase weak prefix', `w/${etag}`],
  ])('does not match %s', (_name, header) => {
    expect(ifNoneMatchMatches(header, etag)).toBe(false);
  });
});

describe('Cache-Control of an answer', () => {
  it('says the policy, or no-store without one', () => {
    expect(cacheControl({ scope: 'public', maxAgeSeconds: 30, tags: [] })).toBe('public, max-age=30');
    expect(cacheControl({ scope: 'private', maxAgeSeconds: 60, tags: [] })).toBe('private, max-age=60');
    expect(cacheControl(undefined)).toBe('no-store');
  });
});

describe('cache keys', () => {
  it('name one entry whatever the order of the input keys, nested ones included', () => {
    expect(stableKey({ b: 1, a: { d: 2, c: 3 } })).toBe(stableKey({ a: { c: 3, d: 2 }, b: 1 }));
    expect(stableKey({ a: 1 })).not.toBe(stableKey({ a: '1' }));
    expect(stableKey(undefined)).toBe('');
  });

  it('writes the same text for flat inputs as for any other (sorted keys, JSON values)', () => {
    const general = (value: unknown) =>
      JSON.stringify(value, (_key, inner: unknown) =>
        inner === null || typeof inner !== 'object' || Array.isArray(inner)
          ? inner
          : Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : 1))),
      );
    for (const value of [
      { id: 7 },
      { offset: 0, limit: 20, authorId: 3, q: 'é "quoted"\n' },
      { b: true, a: null, c: undefined, d: Number.NaN },
      { '10': 1, '9': 2, b: 3 },
      { nested: { z: 1, a: 2 }, list: [3, { y: 1, x: 2 }] },
      {},
      'text',
      42,
      [1, 2],
    ])
      expect(stableKey(value), JSON.stringify(value)).toBe(general(value));
  });
});
