import { describe, expect, it } from 'vitest';
import { UsersRepository } from '../src/repositories/users.js';
import { seedUser } from './support/seed.js';
import { useLoggingServer } from './support/suite.js';

/**
 * Leftover report: posts polls `events.feed` every second, and users logged a `request completed` line at
 * `info` for each poll, an endless stream of noise. Polls now log at `debug`; a poll that delivers events
 * logs one `info` line saying how many.
 */
describe('users logging the events.feed polls of posts (log noise report)', () => {
  const suite = useLoggingServer();
  const asPosts = () => suite.server.client(null, { issuer: 'posts' });
  const infoLines = () => suite.lines.filter((line) => line.level === 30);

  it('logs nothing at info for polls that deliver nothing', async () => {
    for (let poll = 0; poll < 3; poll++) {
      await expect(asPosts().events.feed.query({ after: 0 })).resolves.toEqual({ events: [] });
    }
    expect(infoLines()).toEqual([]);
  });

  it('logs one info line when a poll delivers events, with their count and last id', async () => {
    const ada = await seedUser(suite.db, { email: 'ada@example.com' });
    await new UsersRepository(suite.db.db).delete(ada.id);
    suite.lines.length = 0;
    const { events } = await asPosts().events.feed.query({ after: 0 });
    expect(events).toHaveLength(1);
    expect(infoLines()).toEqual([
      expect.objectContaining({ msg: 'user events delivered', count: 1, after: 0, lastId: events[0]?.id }),
    ]);
  });

  it('still logs every other request at info', async () => {
    // The gateway's call without a user: refused (401), and its request line at info as ever.
    await expect(suite.server.client().users.list.query({})).rejects.toThrow();
    expect(infoLines()).toContainEqual(expect.objectContaining({ msg: 'request completed', status: 401 }));
  });
});
