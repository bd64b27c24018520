import { z } from 'zod';
import { defineContract } from '../contract.js';
import { UserId } from '../schemas/user.js';

/** One event of the users outbox. `id` orders events: ids are committed in increasing order. */
export const UserEvent = z.object({
  id: z.number().int().positive(),
  type: z.literal('user.deleted'),
  userId: UserId,
  occurredAt: z.iso.datetime({ offset: true }),
});
export type UserEvent = z.infer<typeof UserEvent>;

/** The largest page of events one feed call returns. */
export const MAX_USER_EVENTS_PAGE = 500;

/**
 * The users service's event feed (SPEC: Events), for the `posts` service only: never republished as
 * REST, and refused (403) to any other caller, the gateway included.
 */
export const usersEventsContract = defineContract({
  /**
   * The events whose id is greater than `after`, oldest first, at most `limit`. A consumer stores the
   * last id it applied and asks again from there; an empty page means it has caught up.
   */
  feed: {
    type: 'query',
    auth: 'public',
    callers: ['posts'],
    input: z.object({
      after: z.number().int().min(0),
      limit: z.number().int().min(1).max(MAX_USER_EVENTS_PAGE).default(100),
    }),
    output: z.object({ events: z.array(UserEvent) }),
  },
});
export type UsersEventsContract = typeof usersEventsContract;
