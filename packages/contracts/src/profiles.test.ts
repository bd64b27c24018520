import { describe, expect, it } from 'vitest';
import { postsContract } from './procedures/posts.js';
import { PROFILE_POSTS, Profile, profilesContract } from './procedures/profiles.js';
import { usersContract } from './procedures/users.js';

const { compose } = profilesContract.byUserId;

describe('profilesContract.byUserId, composed by the gateway', () => {
  it('requires users.byId and makes the author’s newest posts optional', () => {
    expect(compose.user.procedure).toBe(usersContract.byId);
    expect(compose.user.required).toBe(true);
    expect(compose.posts.procedure).toBe(postsContract.list);
    expect(compose.posts.required).toBe(false);
  });

  it('maps the profile id to each part’s input, valid against that part’s schema', () => {
    const userInput = compose.user.input({ id: 7 } as never);
    const postsInput = compose.posts.input({ id: 7 } as never);
    expect(usersContract.byId.input.parse(userInput)).toEqual({ id: 7 });
    expect(postsContract.list.input.parse(postsInput)).toEqual({ authorId: 7, limit: PROFILE_POSTS, offset: 0 });
  });

  it('keeps the page’s items as the posts, and its output accepts a partial answer', () => {
    const page = { items: [], total: 0, limit: 5, offset: 0 };
    expect(compose.posts.output?.(page as never)).toEqual([]);
    const example = Profile.meta()?.examples;
    expect(Array.isArray(example) && Profile.safeParse(example[0]).success).toBe(true);
  });
});
