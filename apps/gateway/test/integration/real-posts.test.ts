import type { SpawnedService } from '@basis/service-kit/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, type Stack, startStack } from '../helpers/stack.js';
import { startPostsService } from '../helpers/users-service.js';

/**
 * Issue 8, "Done when": the gateway in front of the real, built users and posts services, over HTTP.
 * (test/integration/many-services.test.ts keeps a fixture posts stand-in for failure shapes: hung,
 * broken and slow upstreams.)
 */
describe('posts through the gateway, against the real posts and users services', () => {
  let posts: SpawnedService;
  let stack: Stack;
  let ada: Session;
  let bob: Session;
  let admin: Session;

  beforeAll(async () => {
    posts = await startPostsService();
    stack = await startStack({ POSTS_SERVICE_URL: posts.url });
    [ada, bob, admin] = await Promise.all([stack.newUser(), stack.newUser(), stack.admin()]);
  });
  afterAll(async () => {
    await stack?.close();
    await posts?.stop();
  });

  const write = async (author: Session, title = 'Notes') => {
    const response = await stack.api('POST', '/api/v1/posts', { token: author.access, json: { title, body: 'Body' } });
    expect(response.status).toBe(201);
    return response.body as { id: number; authorId: number; title: string };
  };

  it('creates (201, author = caller, title trimmed), reads (public 200), lists newest first by author', async () => {
    const anonymous = await stack.api('POST', '/api/v1/posts', { json: { title: 'x', body: 'y' } });
    expect([anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
    const first = await write(ada, '  First  ');
    expect(first).toMatchObject({ authorId: ada.id, title: 'First' });
    const second = await write(ada, 'Second');
    const read = await stack.api('GET', `/api/v1/posts/${first.id}`);
    expect([read.status, read.body.title]).toEqual([200, 'First']);
    const list = await stack.api('GET', `/api/v1/posts?authorId=${ada.id}&limit=10`);
    expect(list.status).toBe(200);
    expect((list.body.items as { id: number }[]).map((post) => post.id)).toEqual([second.id, first.id]);
    const bad = await stack.api('POST', '/api/v1/posts', { token: ada.access, json: { title: ' ', body: 'y' } });
    expect([bad.status, JSON.stringify(bad.body.issues)]).toEqual([400, expect.stringContaining('title')]);
    expect((await stack.api('GET', '/api/v1/posts/2147483647')).status).toBe(404);
  });

  describe('update and delete: the authorization matrix', () => {
    it.each([
      ['anonymous', () => undefined, 401],
      ['another user', () => bob.access, 403],
    ])('refuses %s (%s) and leaves the post as it was', async (_, token, status) => {
      const post = await write(ada, 'Mine');
      const patch = await stack.api('PATCH', `/api/v1/posts/${post.id}`, { token: token(), json: { title: 'Taken' } });
      const remove = await stack.api('DELETE', `/api/v1/posts/${post.id}`, { token: token() });
      expect([patch.status, remove.status]).toEqual([status, status]);
      expect((await stack.api('GET', `/api/v1/posts/${post.id}`)).body.title).toBe('Mine');
    });

    it.each([
      ['the author', () => ada],
      ['an admin', () => admin],
    ])('lets %s update (200) and delete (204), then the post is 404', async (_, who) => {
      const post = await write(ada, 'Draft');
      const patch = await stack.api('PATCH', `/api/v1/posts/${post.id}`, {
        token: who().access,
        json: { title: 'Final' },
      });
      expect([patch.status, patch.body.title, patch.body.authorId]).toEqual([200, 'Final', ada.id]);
      const remove = await stack.api('DELETE', `/api/v1/posts/${post.id}`, { token: who().access });
      expect([remove.status, remove.text]).toEqual([204, '']);
      expect((await stack.api('GET', `/api/v1/posts/${post.id}`)).status).toBe(404);
    });

    it('answers 404 to anyone signed in for a missing post', async () => {
      for (const who of [ada, bob, admin]) {
        const patch = await stack.api('PATCH', '/api/v1/posts/2147483647', { token: who.access, json: { title: 'x' } });
        const remove = await stack.api('DELETE', '/api/v1/posts/2147483647', { token: who.access });
        expect([patch.status, remove.status]).toEqual([404, 404]);
      }
    });
  });

  it('composes the profile from the real users and posts: the newest 5, nothing partial', async () => {
    const carol = await stack.newUser({ firstName: 'Carol' });
    const written = [];
    for (let i = 0; i < 6; i += 1) written.push(await write(carol, `Post ${i}`));
    const profile = await stack.api('GET', `/api/v1/users/${carol.id}/profile`, { token: bob.access });
    expect(profile.status).toBe(200);
    expect(profile.headers.get('x-basis-partial')).toBeNull();
    expect(profile.body).toMatchObject({ user: { id: carol.id, firstName: 'Carol' }, partial: [] });
    expect((profile.body.posts as { id: number }[]).map((post) => post.id)).toEqual(
      written
        .slice(1)
        .reverse()
        .map((post) => post.id),
    );
  });

  it('stops a logged-out user on a posts route within 5 s', async () => {
    const dave = await stack.newUser();
    await write(dave);
    const logout = await stack.api('POST', '/api/v1/auth/logout', { json: { refresh_token: dave.refresh } });
    expect(logout.status).toBe(204);
    const started = Date.now();
    let status = 0;
    while (Date.now() - started < 5000) {
      status = (await stack.api('POST', '/api/v1/posts', { token: dave.access, json: { title: 't', body: 'b' } }))
        .status;
      if (status === 401) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(401);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('posts down: posts routes answer 503 with Retry-After, users routes stay 200', async () => {
    await posts.stop();
    for (const [method, path, token] of [
      ['GET', '/api/v1/posts', undefined],
      ['GET', '/api/v1/posts/1', undefined],
      ['POST', '/api/v1/posts', ada.access],
    ] as const) {
      const response = await stack.api(method, path, {
        token,
        ...(method === 'POST' ? { json: { title: 't', body: 'b' } } : {}),
      });
      expect([method, path, response.status, response.body.code]).toEqual([method, path, 503, 'SERVICE_UNAVAILABLE']);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    const me = await stack.api('GET', '/api/v1/users/me', { token: ada.access });
    expect([me.status, me.body.id]).toEqual([200, ada.id]);
    const profile = await stack.api('GET', `/api/v1/users/${ada.id}/profile`, { token: ada.access });
    expect([profile.status, profile.body.posts, profile.body.partial]).toEqual([200, null, ['posts']]);
    expect(profile.headers.get('x-basis-partial')).toBe('posts');
  });
});
