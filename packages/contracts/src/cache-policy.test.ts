import { describe, expect, it } from 'vitest';
import { fillTag } from './contract.js';
import { postsContract } from './procedures/posts.js';
import { usersContract } from './procedures/users.js';

describe('fillTag', () => {
  it('fills input fields and the caller', () => {
    expect(fillTag('posts/{id}', { id: 7 }, null)).toBe('posts/7');
    expect(fillTag('users/{caller}', undefined, 3)).toBe('users/3');
    expect(fillTag('users/{caller}', undefined, null)).toBe('users/anonymous');
    expect(fillTag('posts', { id: 1 }, 1)).toBe('posts');
  });
});

describe('the SPEC cache policies', () => {
  it('caches posts reads publicly and users reads privately, and nothing else', () => {
    expect(postsContract.list.rest.cache?.scope).toBe('public');
    expect(postsContract.byId.rest.cache?.scope).toBe('public');
    expect(usersContract.me.rest.cache?.scope).toBe('private');
    expect(usersContract.byId.rest.cache?.scope).toBe('private');
    expect('cache' in usersContract.list.rest).toBe(false);
  });

  it('has every write to posts and users invalidate a tag some cached read carries', () => {
    const cached = [postsContract.list, postsContract.byId, usersContract.me, usersContract.byId].flatMap(
      (entry) => entry.rest.cache?.tags ?? [],
    );
    const shapes = new Set(cached.map((tag) => tag.replace(/\{[^}]+\}/g, '*')));
    const writes = [
      postsContract.create,
      postsContract.update,
      postsContract.delete,
      usersContract.updateMe,
      usersContract.update,
      usersContract.delete,
    ];
    for (const write of writes) {
      const tags = write.rest.invalidates ?? [];
      expect(tags.length, write.rest.path).toBeGreaterThan(0);
      for (const tag of tags) expect(shapes.has(tag.replace(/\{[^}]+\}/g, '*')), tag).toBe(true);
    }
  });
});
