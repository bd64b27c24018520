import type { TestDatabase } from '@basis/service-kit/test';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database, DatabaseHandle } from '../src/db/client.js';
import { appendUserEvent, UserEventsRepository } from '../src/repositories/user-events.js';
import { UsersRepository } from '../src/repositories/users.js';
import { testDrivers } from './support/databases.js';
import { seedUser } from './support/seed.js';

/**
 * Reads the feed the way posts does, while `work` runs: from a cursor, in small pages, storing the last
 * id seen. An event committed with an id below the cursor after the cursor passed it is lost for good.
 * @returns every event read, in order
 */
async function pollWhile(events: UserEventsRepository, work: Promise<unknown>) {
  const seen: { id: number; userId: number }[] = [];
  let cursor = 0;
  let done = false;
  void work.finally(() => {
    done = true;
  });
  for (;;) {
    const finished = done;
    const page = await events.after(cursor, 7);
    seen.push(...page.map(({ id, userId }) => ({ id, userId })));
    cursor = page.at(-1)?.id ?? cursor;
    if (finished && page.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await work;
  return seen;
}

describe.each(testDrivers)('the user-events outbox on $name', (driver) => {
  let database: TestDatabase<DatabaseHandle>;
  beforeAll(async () => {
    database = await driver.open();
  });
  afterAll(async () => {
    await database?.[Symbol.asyncDispose]();
  });
  beforeEach(async () => {
    await database.reset();
  });

  it('records user.deleted in the deleting transaction, and nothing for a missing user', async () => {
    const users = new UsersRepository(database.handle.db);
    const ada = await seedUser(database.handle, { email: 'ada@example.com' });
    expect(await users.delete(ada.id)).toBe(true);
    expect(await users.delete(ada.id)).toBe(false);
    const events = await new UserEventsRepository(database.handle.db).after(0, 10);
    expect(events).toEqual([{ id: 1, type: 'user.deleted', userId: ada.id, occurredAt: expect.any(String) }]);
  });

  it('writes no event when the deleting transaction rolls back', async () => {
    const ada = await seedUser(database.handle, { email: 'ada@example.com' });
    await expect(
      database.handle.db.transaction(async (tx) => {
        await appendUserEvent(tx as unknown as Database, { type: 'user.deleted', userId: ada.id });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await new UserEventsRepository(database.handle.db).after(0, 10)).toEqual([]);
  });

  it('loses nothing and repeats nothing with 50 deletions racing a poller', async () => {
    const rows = await Promise.all(
      Array.from({ length: 50 }, (_, i) => seedUser(database.handle, { email: `user${i}@example.com` })),
    );
    const users = new UsersRepository(database.handle.db);
    const lanes = Array.from({ length: 10 }, async (_, lane) => {
      for (let i = lane; i < rows.length; i += 10) await users.delete(rows[i]?.id ?? 0);
    });
    const seen = await pollWhile(new UserEventsRepository(database.handle.db), Promise.all(lanes));
    expect(seen.map((event) => event.userId).sort((a, b) => a - b)).toEqual(
      rows.map((row) => row.id).sort((a, b) => a - b),
    );
    expect(new Set(seen.map((event) => event.id)).size).toBe(50);
  });

  it('keeps ids in commit order when appending transactions commit in random order (the outbox gap)', async () => {
    // Each transaction appends, then lingers 0..25 ms before committing: without the append lock, a
    // later id would often commit first and the poller's cursor would jump over the earlier one.
    const append = (userId: number) =>
      database.handle.db.transaction(async (tx) => {
        await appendUserEvent(tx as unknown as Database, { type: 'user.deleted', userId });
        await tx.execute(sql`select pg_sleep(${Math.random() * 0.025})`);
      });
    const ids = Array.from({ length: 50 }, (_, i) => i + 1);
    // 10 lanes of 5, so the poller always finds a free connection in the pool of 20 (its queries would
    // otherwise queue behind every transaction and see only the end state).
    const lanes = Array.from({ length: 10 }, async (_, lane) => {
      for (let i = lane; i < ids.length; i += 10) await append(ids[i] ?? 0);
    });
    const seen = await pollWhile(new UserEventsRepository(database.handle.db), Promise.all(lanes));
    expect(seen.map((event) => event.userId).sort((a, b) => a - b)).toEqual(ids);
    expect(seen.map((event) => event.id)).toEqual(ids);
  });
});
