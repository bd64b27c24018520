import { usersEventsContract } from '@basis/contracts';
import type { CredentialMinter } from '@basis/service-kit/credentials';
import type { FastifyBaseLogger } from 'fastify';
import type { UserEventsConsumer } from '../repositories/user-events.js';

/** Wait between polls once caught up, in milliseconds. */
export const POLL_INTERVAL_MS = 500;
/** The longest wait after failures (users down), in milliseconds: short, so a deletion lands within 5 s of users' return. */
export const MAX_BACKOFF_MS = 2000;
/** Events asked for per call. */
export const PAGE_SIZE = 100;

/** Where a poller stands, for `/metrics` (events/metrics.ts). */
export interface FeedStatus {
  /** The id of the last user event applied (0 before the first; read from the database at the first poll). */
  cursor: number;
  /** Events applied by this process. */
  applied: number;
  /** When the feed was last read to its end (`performance.now()` ms), or when the poller started if never. */
  caughtUpAt: number;
}

/** A running poller. */
export interface UserEventsPoller {
  /** Where it stands now. */
  status(): Readonly<FeedStatus>;
  /** Stops polling and waits for the page in progress (if any) to be applied or abandoned. */
  stop(): Promise<void>;
}

/** users answered something other than a feed page. */
class FeedError extends Error {
  override readonly name = 'FeedError';
}

/**
 * Consumes the users event feed (SPEC: Events): asks `events.feed` for the events after its stored
 * cursor with posts' own service credential (`iss` posts, `aud` users), applies each page with
 * `UserEventsConsumer.apply` (effect and cursor in one transaction), and asks again at once while pages
 * come back full, else after {@link POLL_INTERVAL_MS}. When users cannot answer it backs off (doubling,
 * up to {@link MAX_BACKOFF_MS}) and logs once per outage, and again when it recovers.
 * @param options.usersUrl `USERS_SERVICE_URL`
 * @param options.minter posts' credential minter
 * @param options.consumer the data access over posts' database
 * @param options.log where to report outages
 * @returns the poller; `stop()` it before closing the database
 */
export function startUserEventsPoller(options: {
  usersUrl: string;
  minter: CredentialMinter;
  consumer: UserEventsConsumer;
  log: FastifyBaseLogger;
  intervalMs?: number;
}): UserEventsPoller {
  const { minter, consumer, log } = options;
  const interval = options.intervalMs ?? POLL_INTERVAL_MS;
  const endpoint = `${options.usersUrl.replace(/\/$/, '')}/trpc/events.feed`;
  const stopping = new AbortController();
  let failures = 0;
  const status: FeedStatus = { cursor: 0, applied: 0, caughtUpAt: performance.now() };

  async function fetchPage(after: number) {
    const input = encodeURIComponent(JSON.stringify({ after, limit: PAGE_SIZE }));
    const response = await fetch(`${endpoint}?input=${input}`, {
      headers: { authorization: `Bearer ${minter.mint('users', null)}` },
      signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(5000)]),
    });
    const body = (await response.json().catch(() => undefined)) as { result?: { data?: unknown } } | undefined;
    if (!response.ok) throw new FeedError(`users answered ${response.status}`);
    const page = usersEventsContract.feed.output.safeParse(body?.result?.data);
    if (!page.success) throw new FeedError('users answered an invalid feed page');
    return page.data.events;
  }

  /** One poll: @returns whether to poll again at once (a full page). */
  async function pollOnce(): Promise<boolean> {
    const asked = performance.now();
    status.cursor = await consumer.cursor();
    const events = await fetchPage(status.cursor);
    if (events.length > 0) {
      const { cursor, deletedPosts } = await consumer.apply(events);
      status.cursor = cursor;
      status.applied += events.length;
      log.info({ cursor, events: events.length, deletedPosts }, 'user events applied');
    }
    const more = events.length === PAGE_SIZE;
    // A short page: every event committed before the call was asked for is now applied.
    if (!more) status.caughtUpAt = asked;
    return more;
  }

  /** Waits `ms`, or less when stopping; removes its abort listener either way (one per poll would pile up). */
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      stopping.signal.addEventListener('abort', wake, { once: true });
    });

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      let wait = interval;
      try {
        const more = await pollOnce();
        if (failures > 0) log.info({ failures }, 'user event feed reachable again');
        failures = 0;
        if (more) continue;
      } catch (error) {
        if (stopping.signal.aborted) break;
        failures += 1;
        wait = Math.min(interval * 2 ** failures, MAX_BACKOFF_MS);
        if (failures === 1)
          log.warn({ reason: error instanceof Error ? error.message : String(error) }, 'user event feed unavailable');
      }
      await sleep(wait);
    }
  })();

  return {
    status: () => status,
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
