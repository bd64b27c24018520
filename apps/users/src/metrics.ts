import { Gauge, type Registry } from 'prom-client';
import type { UserEventsRepository } from './repositories/user-events.js';

/**
 * Adds the outbox gauge to the service's `/metrics`: `basis_users_outbox_last_event_id`, the id of the
 * newest user event, read from the database at each scrape (NaN when the database does not answer).
 * A consumer's lag in events is this minus its cursor (posts: `basis_posts_user_events_cursor`).
 * @param registry the server's registry (`metricsRegistryOf(app)`)
 * @param events the outbox
 */
export function registerOutboxMetrics(registry: Registry, events: Pick<UserEventsRepository, 'lastId'>): void {
  new Gauge({
    name: 'basis_users_outbox_last_event_id',
    help: 'Id of the newest event in the users outbox (user_events); a consumer lags by this minus its cursor',
    registers: [registry],
    async collect() {
      try {
        this.set(await events.lastId());
      } catch {
        this.set(Number.NaN);
      }
    },
  });
}
