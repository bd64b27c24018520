import { freePort } from '@basis/service-kit/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostsUpstream, startPostsUpstream } from '../helpers/posts-upstream.js';
import { type Session, type Stack, startStack } from '../helpers/stack.js';

const JWT_SECRET = 'many-services-suite-jwt-secret-of-32-bytes';
/** The posts stand-in's timeout: a hung posts must cost a composed answer about this, not UPSTREAM_TIMEOUT_MS. */
const POSTS_TIMEOUT_MS = 400;

let posts: PostsUpstream;
let stack: Stack;
let ada: Session;

beforeAll(async () => {
  posts = await startPostsUpstream();
  stack = await startStack(
    { JWT_SECRET, POSTS_SERVICE_URL: posts.url },
    { upstreamTimeoutsMs: { posts: POSTS_TIMEOUT_MS } },
  );
  ada = await stack.newUser({ firstName: 'Ada' });
});

afterAll(async () => {
  await stack?.close();
  await posts?.close();
  expect(stack?.conformance.problems ?? [], JSON.stringify(stack?.conformance.problems)).toEqual([]);
});

describe('posts routes through the gateway (a tRPC service built from postsContract)', () => {
  it('answers 401 to a write without a token, 400 naming the field, then 201 with the caller as author', async () => {
    const anonymous = await stack.api('POST', '/api/v1/posts', { json: { title: 'Notes', body: 'Text' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    const invalid = await stack.api('POST', '/api/v1/posts', { token: ada.access, json: { title: '  ', body: 'x' } });
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(invalid.body.issues)).toContain('title');
    const created = await stack.api('POST', '/api/v1/posts', {
      token: ada.access,
      json: { title: '  Notes on the Engine ', body: 'It might act upon other things.' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ authorId: ada.id, title: 'Notes on the Engine' });
  });

  it('serves the public reads without a token, and the service’s own 403 and 404', async () => {
    const list = await stack.api('GET', `/api/v1/posts?authorId=${ada.id}&limit=5`);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ limit: 5, offset: 0 });
    expect((await stack.api('GET', '/api/v1/posts/999999')).status).toBe(404);
    const id = (list.body.items as { id: number }[])[0]?.id;
    const bob = await stack.newUser();
    const forbidden = await stack.api('PATCH', `/api/v1/posts/${id}`, { token: bob.access, json: { title: 'Mine' } });
    expect(forbidden.status).toBe(403);
  });
});

describe('GET /api/v1/users/{id}/profile (composed from users.byId and posts.list)', () => {
  it('answers the user and their newest posts, newest first, with nothing partial', async () => {
    const author = await stack.newUser();
    for (const n of [1, 2, 3, 4, 5, 6]) {
      const created = await stack.api('POST', '/api/v1/posts', {
        token: author.access,
        json: { title: `Post ${n}`, body: 'Body' },
      });
      expect(created.status).toBe(201);
    }
    const profile = await stack.api('GET', `/api/v1/users/${author.id}/profile`, { token: ada.access });
    expect(profile.status).toBe(200);
    expect(profile.headers.get('x-basis-partial')).toBeNull();
    expect(profile.body).toMatchObject({ user: { id: author.id }, partial: [] });
    expect((profile.body.posts as { title: string }[]).map((post) => post.title)).toEqual([
      'Post 6',
      'Post 5',
      'Post 4',
      'Post 3',
      'Post 2',
    ]);
  });

  it('answers 200 with posts null, partial ["posts"] and x-basis-partial when posts hangs, near its timeout', async () => {
    // A user whose posts were never read: nothing cached could answer for the hung part.
    const author = await stack.newUser();
    posts.mode = 'hang';
    try {
      const profile = await stack.api('GET', `/api/v1/users/${author.id}/profile`, { token: ada.access });
      expect(profile.status).toBe(200);
      expect(profile.body).toMatchObject({ user: { id: author.id }, posts: null, partial: ['posts'] });
      expect(profile.headers.get('x-basis-partial')).toBe('posts');
      expect(profile.ms).toBeGreaterThanOrEqual(POSTS_TIMEOUT_MS - 10);
      expect(profile.ms).toBeLessThan(POSTS_TIMEOUT_MS + 600);
      console.info(`profile with posts hung (timeout ${POSTS_TIMEOUT_MS} ms): ${profile.ms.toFixed(1)} ms`);
    } finally {
      posts.mode = 'ok';
    }
  });

  it('answers 200 partial when posts breaks its contract', async () => {
    const author = await stack.newUser();
    posts.mode = 'broken';
    try {
      const profile = await stack.api('GET', `/api/v1/users/${author.id}/profile`, { token: ada.access });
      expect(profile.status).toBe(200);
      expect(profile.body).toMatchObject({ posts: null, partial: ['posts'] });
    } finally {
      posts.mode = 'ok';
    }
  });

  it('answers the required part’s own 404 for an unknown user, and 400 for a bad id', async () => {
    const missing = await stack.api('GET', '/api/v1/users/2147483000/profile', { token: ada.access });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NOT_FOUND');
    expect((await stack.api('GET', '/api/v1/users/abc/profile', { token: ada.access })).status).toBe(400);
    expect((await stack.api('GET', `/api/v1/users/${ada.id}/profile`)).status).toBe(401);
  });
});

describe('revocation on a route of another service', () => {
  it('turns a logged-out user’s access token to 401 invalid_token on POST /posts within 5 s', async () => {
    const eve = await stack.newUser();
    const write = () => stack.api('POST', '/api/v1/posts', { token: eve.access, json: { title: 'T', body: 'B' } });
    expect((await write()).status).toBe(201);
    const logout = await stack.api('POST', '/api/v1/auth/logout', { json: { refresh_token: eve.refresh } });
    expect(logout.status).toBe(204);
    const started = performance.now();
    let response = await write();
    while (response.status !== 401 && performance.now() - started < 6000) {
      expect(response.status).toBe(201);
      await new Promise((resolve) => setTimeout(resolve, 100));
      response = await write();
    }
    const elapsed = performance.now() - started;
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(elapsed).toBeLessThan(5000);
    console.info(`access token refused on posts ${elapsed.toFixed(0)} ms after logout`);
  });
});

describe('observability', () => {
  it('labels every upstream call with its real service name', async () => {
    await stack.api('GET', `/api/v1/users/${ada.id}/profile`, { token: ada.access });
    const text = await (await fetch(`${stack.gateway.url}/metrics`)).text();
    expect(text).toMatch(
      /basis_gateway_upstream_calls_total\{service="users",procedure="internal.sessionActor",outcome="ok"\}/,
    );
    expect(text).toMatch(
      /basis_gateway_upstream_calls_total\{service="users",procedure="internal.verifyCredentials",outcome="ok"\}/,
    );
    expect(text).toMatch(/basis_gateway_upstream_calls_total\{service="posts",procedure="posts.list",outcome="ok"\}/);
    expect(text).not.toContain('service="internal"');
    expect(text).toMatch(/basis_gateway_upstream_circuit_open\{service="posts"\} 0/);
  });

  it('reports each upstream’s state on /readyz', async () => {
    const ready = await stack.api('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', upstreams: { users: { state: 'up' }, posts: { state: 'up' } } });
  });
});

describe('posts down', () => {
  let isolated: Stack;
  let user: Session;

  beforeAll(async () => {
    isolated = await startStack(
      { JWT_SECRET, POSTS_SERVICE_URL: `http://127.0.0.1:${await freePort()}` },
      { breaker: { breakerThreshold: 2, halfOpenAfterMs: 60_000 } },
    );
    user = await isolated.newUser();
  });

  afterAll(async () => {
    await isolated?.close();
    expect(isolated?.conformance.problems ?? []).toEqual([]);
  });

  it('answers 503 with Retry-After on posts routes, and the circuit opens', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const list = await isolated.api('GET', '/api/v1/posts');
      expect(list.status).toBe(503);
      expect(Number(list.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(list.body.code).toBe('SERVICE_UNAVAILABLE');
    }
    const write = await isolated.api('POST', '/api/v1/posts', { token: user.access, json: { title: 'T', body: 'B' } });
    expect(write.status).toBe(503);
  });

  it('keeps every users route answering as before, and the profile partial', async () => {
    expect((await isolated.api('GET', '/api/v1/users/me', { token: user.access })).status).toBe(200);
    expect((await isolated.api('GET', `/api/v1/users/${user.id}`, { token: user.access })).status).toBe(200);
    const profile = await isolated.api('GET', `/api/v1/users/${user.id}/profile`, { token: user.access });
    expect(profile.status).toBe(200);
    expect(profile.body).toMatchObject({ user: { id: user.id }, posts: null, partial: ['posts'] });
    expect(profile.headers.get('x-basis-partial')).toBe('posts');
  });

  it('stays ready, reporting posts’ circuit open and users up', async () => {
    const ready = await isolated.api('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ upstreams: { users: { state: 'up' }, posts: { state: 'circuit-open' } } });
  });
});

describe('posts back after an outage', () => {
  it('reports posts up on /readyz as soon as it answers, without waiting for traffic (the probe is the half-open trial)', async () => {
    const port = await freePort();
    const running = await startStack(
      { JWT_SECRET, POSTS_SERVICE_URL: `http://127.0.0.1:${port}` },
      { breaker: { breakerThreshold: 2, halfOpenAfterMs: 300 } },
    );
    try {
      for (let attempt = 0; attempt < 3; attempt += 1)
        expect((await running.api('GET', '/api/v1/posts')).status).toBe(503);
      expect((await running.api('GET', '/readyz')).body).toMatchObject({
        upstreams: { posts: { state: 'circuit-open' } },
      });
      await using _posts = await startPostsUpstream(port);
      await new Promise((resolve) => setTimeout(resolve, 400));
      const ready = await running.api('GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ upstreams: { posts: { state: 'up' } } });
      expect((await running.api('GET', '/api/v1/posts')).status).toBe(200);
    } finally {
      await running.close();
    }
    expect(running.conformance.problems).toEqual([]);
  });
});

describe('users down', () => {
  it('answers 503 on a protected posts route (the session cannot be checked: fail closed), public reads still 200', async () => {
    await using own = await startPostsUpstream();
    const running = await startStack({ JWT_SECRET, POSTS_SERVICE_URL: own.url }, {}, { ownUsers: true });
    try {
      const user = await running.newUser();
      await running.users?.stop();
      // Past the session cache (2 s), the session must be checked again, and cannot be.
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const write = await running.api('POST', '/api/v1/posts', { token: user.access, json: { title: 'T', body: 'B' } });
      expect(write.status).toBe(503);
      expect(write.headers.get('retry-after')).not.toBeNull();
      const profile = await running.api('GET', `/api/v1/users/${user.id}/profile`, { token: user.access });
      expect(profile.status).toBe(503);
      expect((await running.api('GET', '/api/v1/posts')).status).toBe(200);
    } finally {
      await running.close();
    }
  }, 60_000);
});
