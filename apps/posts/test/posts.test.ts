import type { TokenActor } from '@basis/service-kit/test';
import { expectTRPCError, useServerOn } from '@basis/service-kit/test';
import { describe, expect, it } from 'vitest';
import type { PostsRouter } from '../src/index.js';
import { testDrivers } from './support/databases.js';
import { startServer } from './support/server.js';

const ADA: TokenActor = { id: 1, role: 'user' };
const BOB: TokenActor = { id: 2, role: 'user' };
const ADMIN: TokenActor = { id: 3, role: 'admin' };
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe.each(testDrivers)('posts on $name', (driver) => {
  const suite = useServerOn(driver, startServer);
  const as = (actor: TokenActor | null) => suite.server.client(actor);
  const write = (actor: TokenActor, title = 'Notes', body = 'It might act upon other things besides number.') =>
    as(actor).posts.create.mutate({ title, body });

  /** Checks a BAD_REQUEST whose zod issues name `field`. */
  async function expectInvalid(call: Promise<unknown>, field: string): Promise<void> {
    const error = await expectTRPCError<PostsRouter>(call, 'BAD_REQUEST');
    const issues = (error.data as { issues?: { path: (string | number)[] }[] }).issues ?? [];
    expect(issues.map((issue) => issue.path.join('.'))).toContain(field);
    expect((error.data as { httpStatus?: number }).httpStatus).toBe(400);
  }

  describe('create', () => {
    it('stores a post by the caller, title trimmed, with ISO timestamps', async () => {
      const post = await write(ADA, '  Notes on the Engine  ');
      expect(post).toEqual({
        id: 1,
        authorId: ADA.id,
        title: 'Notes on the Engine',
        body: 'It might act upon other things besides number.',
        createdAt: expect.stringMatching(ISO),
        updatedAt: post.createdAt,
      });
      expect(await as(null).posts.byId.query({ id: post.id })).toEqual(post);
    });

    it('answers 401 UNAUTHORIZED to an anonymous caller', async () => {
      await expectTRPCError(as(null).posts.create.mutate({ title: 'x', body: 'y' }), 'UNAUTHORIZED');
    });

    it.each([
      ['title', { title: '   ', body: 'b' }],
      ['title', { title: 't'.repeat(201), body: 'b' }],
      ['title', { title: 'a\u0007b', body: 'b' }],
      ['body', { title: 't', body: '' }],
      ['body', { title: 't', body: 'b'.repeat(20_001) }],
      ['body', { title: 't', body: 'nul\u0000byte' }],
    ])('answers 400 naming %s for %j', async (field, input) => {
      await expectInvalid(as(ADA).posts.create.mutate(input), field);
    });

    it('accepts the limits: a 200-character title and a 20000-character body', async () => {
      const post = await write(ADA, 't'.repeat(200), 'b'.repeat(20_000));
      expect([post.title.length, post.body.length]).toEqual([200, 20_000]);
    });
  });

  describe('byId', () => {
    it('answers 404 NOT_FOUND for a missing post', async () => {
      await expectTRPCError(as(null).posts.byId.query({ id: 999 }), 'NOT_FOUND', 'Post not found');
    });

    it.each([0, -1, 1.5, 2_147_483_648])('answers 400 naming id for %s', async (id) => {
      await expectInvalid(as(null).posts.byId.query({ id }), 'id');
    });
  });

  describe('list', () => {
    it('lists newest first with the total, pages with limit and offset, and filters by author', async () => {
      const first = await write(ADA, 'first');
      const second = await write(BOB, 'second');
      const third = await write(ADA, 'third');
      const all = await as(null).posts.list.query({});
      expect(all).toMatchObject({ total: 3, limit: 20, offset: 0 });
      expect(all.items.map((post) => post.id)).toEqual([third.id, second.id, first.id]);

      const page = await as(null).posts.list.query({ limit: 1, offset: 1 });
      expect([page.total, page.items.map((post) => post.id)]).toEqual([3, [second.id]]);

      const byAda = await as(null).posts.list.query({ authorId: ADA.id });
      expect([byAda.total, byAda.items.map((post) => post.title)]).toEqual([2, ['third', 'first']]);
      expect(await as(null).posts.list.query({ authorId: 99 })).toEqual({ items: [], total: 0, limit: 20, offset: 0 });
    });

    it.each([
      ['limit', { limit: 0 }],
      ['limit', { limit: 101 }],
      ['offset', { offset: -1 }],
      ['authorId', { authorId: 0 }],
    ])('answers 400 naming %s for %j', async (field, input) => {
      await expectInvalid(as(null).posts.list.query(input), field);
    });
  });

  describe('update and delete: who may (authorization matrix)', () => {
    it.each([
      ['anonymous', null, 'UNAUTHORIZED'],
      ['another user', BOB, 'FORBIDDEN'],
    ] as const)('refuses %s', async (_, actor, code) => {
      const post = await write(ADA);
      await expectTRPCError(as(actor).posts.update.mutate({ id: post.id, title: 'taken over' }), code);
      await expectTRPCError(as(actor).posts.delete.mutate({ id: post.id }), code);
      expect(await as(null).posts.byId.query({ id: post.id })).toEqual(post);
    });

    it.each([
      ['the author', ADA],
      ['an admin', ADMIN],
    ])('lets %s update, then delete', async (_, actor) => {
      const post = await write(ADA);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const updated = await as(actor).posts.update.mutate({ id: post.id, title: '  Revised  ', body: 'New body' });
      expect(updated).toMatchObject({ id: post.id, authorId: ADA.id, title: 'Revised', body: 'New body' });
      expect(updated.createdAt).toBe(post.createdAt);
      expect(Date.parse(updated.updatedAt)).toBeGreaterThan(Date.parse(post.updatedAt));
      const titleOnly = await as(actor).posts.update.mutate({ id: post.id, title: 'Again' });
      expect([titleOnly.title, titleOnly.body]).toEqual(['Again', 'New body']);

      await expect(as(actor).posts.delete.mutate({ id: post.id })).resolves.toBeUndefined();
      await expectTRPCError(as(null).posts.byId.query({ id: post.id }), 'NOT_FOUND');
    });

    it('answers 404 before 403 for a missing post, to anyone signed in', async () => {
      for (const actor of [ADA, BOB, ADMIN]) {
        await expectTRPCError(as(actor).posts.update.mutate({ id: 42, title: 'x' }), 'NOT_FOUND', 'Post not found');
        await expectTRPCError(as(actor).posts.delete.mutate({ id: 42 }), 'NOT_FOUND', 'Post not found');
      }
    });

    it('answers 400 naming the field on a bad update', async () => {
      const post = await write(ADA);
      await expectInvalid(as(ADA).posts.update.mutate({ id: post.id, title: '' }), 'title');
      await expectInvalid(as(ADA).posts.update.mutate({ id: post.id, body: 'b'.repeat(20_001) }), 'body');
      await expectInvalid(as(ADA).posts.update.mutate({ id: 0, title: 'x' }), 'id');
      await expectInvalid(as(ADA).posts.delete.mutate({ id: 2_147_483_648 }), 'id');
    });
  });

  it('never sends a stack trace', async () => {
    for (const body of suite.server.responses) expect(body).not.toMatch(/"stack"|\s{4}at /);
  });
});
