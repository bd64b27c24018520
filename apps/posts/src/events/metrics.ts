import { Counter, Gauge, type Registry } from 'prom-client';
import type { UserEventsPoller } from './poller.js';

/**
 * Adds the user-event consumer's gauges to the service's `/metrics`, read from the poller at each scrape:
 * - `basis_posts_user_events_lag_seconds`: seconds since the poller last read the users event feed to
 *   its end; every user event committed before that moment has been applied, so this bounds how stale
 *   posts' view of users is. About the poll interval (0.5 s) when healthy; it grows while users is
 *   unreachable or posts falls behind, and counts from the poller's start until the first complete read.
 * - `basis_posts_user_events_cursor`: the id of the last user event applied (lag in events:
 *   `basis_users_outbox_last_event_id` minus this).
 * - `basis_posts_user_events_applied_total`: events applied by this process.
 * @param registry the server's registry (`metricsRegistryOf(app)`)
 * @param poller the running poller
 */
export function registerFeedMetrics(registry: Registry, poller: Pick<UserEventsPoller, 'status'>): void {
  new Gauge({
    name: 'basis_posts_user_events_lag_seconds',
    help: 'Seconds since the users event feed was last read to its end (every user event committed before then is applied); counts from start until the first complete read',
    registers: [registry],
    collect() {
      this.set((performance.now() - poller.status().caughtUpAt) / 1000);
    },
  });
  new Gauge({
    name: 'basis_posts_user_events_cursor',
    help: 'Id of the last user event applied (lag in events: basis_users_outbox_last_event_id minus this)',
    registers: [registry],
    collect() {
      this.set(poller.status().cursor);
    },
  });
  new Counter({
    name: 'basis_posts_user_events_applied_total',
    help: 'User events applied by this process',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(poller.status().applied);
    },
  });
}
