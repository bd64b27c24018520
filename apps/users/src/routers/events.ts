import { type UsersEventsContract, usersEventsContract } from '@basis/contracts';
import { type Implemented, implement, router } from '../trpc.js';

const procedures = {
  feed: implement(usersEventsContract.feed, async ({ ctx, input }) => {
    const events = await ctx.events.after(input.after, input.limit);
    // The poll itself is logged at debug (server.ts); a delivery is worth one info line.
    if (events.length > 0)
      ctx.log.info({ count: events.length, after: input.after, lastId: events.at(-1)?.id }, 'user events delivered');
    return { events };
  }),
} satisfies { [K in keyof UsersEventsContract]: Implemented<UsersEventsContract[K]> };

/** The user-event feed (`usersEventsContract`): `posts` only, by the contract's allow-list. */
export const eventsRouter = router(procedures);
