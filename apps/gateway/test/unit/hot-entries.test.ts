import { describe, expect, it } from 'vitest';
import { deepFreeze, HotEntries } from '../../src/cache/hot-entries.js';

const entry = (value: unknown, expiresAt: number, tags: string[] = []) => ({ value, expiresAt, tags });

describe('the entries a replica serves in front of its store (cache/hot-entries.ts)', () => {
  it('serves an entry until it expires, then forgets it', () => {
    const hot = new HotEntries(10);
    expect(hot.put('a', entry('A', 1000), hot.epoch)).toBe(true);
    expect(hot.get('a', 999)?.value).toBe('A');
    expect(hot.get('a', 1000)).toBeUndefined();
    expect(hot.size).toBe(0);
  });

  it('drops every entry of an invalidated tag, and only those', () => {
    const hot = new HotEntries(10);
    hot.put('post 1', entry(1, 1000, ['posts', 'posts/1']), hot.epoch);
    hot.put('post 2', entry(2, 1000, ['posts', 'posts/2']), hot.epoch);
    hot.put('user 1', entry(3, 1000, ['users/1']), hot.epoch);
    hot.dropTag('posts/1');
    expect(hot.get('post 1', 0)).toBeUndefined();
    expect(hot.get('post 2', 0)?.value).toBe(2);
    hot.dropTag('posts');
    expect(hot.get('post 2', 0)).toBeUndefined();
    expect(hot.get('user 1', 0)?.value).toBe(3);
    hot.drop('user 1');
    expect(hot.size).toBe(0);
  });

  it('refuses an answer whose load overlapped an invalidation (it may predate the write)', () => {
    const hot = new HotEntries(10);
    const before = hot.epoch;
    hot.dropTag('posts/1');
    expect(hot.put('post 1', entry(1, 1000, ['posts/1']), before)).toBe(false);
    expect(hot.get('post 1', 0)).toBeUndefined();
    hot.clear();
    expect(hot.put('post 1', entry(1, 1000, ['posts/1']), before)).toBe(false);
  });

  it('holds at most maxEntries, dropping the oldest, and forgets the dropped ones’ tags', () => {
    const hot = new HotEntries(2);
    hot.put('a', entry('A', 1000, ['t']), hot.epoch);
    hot.put('b', entry('B', 1000, ['t']), hot.epoch);
    hot.put('c', entry('C', 1000, ['t']), hot.epoch);
    expect(hot.size).toBe(2);
    expect(hot.get('a', 0)).toBeUndefined();
    expect(hot.get('c', 0)?.value).toBe('C');
    hot.dropTag('t');
    expect(hot.size).toBe(0);
  });

  it('freezes a shared answer all the way down', () => {
    const answer = deepFreeze({ items: [{ id: 1, tags: ['a'] }], total: 1 });
    expect(Object.isFrozen(answer.items[0]?.tags)).toBe(true);
    expect(() => {
      (answer.items[0] as { id: number }).id = 2;
    }).toThrow(TypeError);
  });
});
