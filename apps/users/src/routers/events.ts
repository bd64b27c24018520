import { type UsersEventsContract, usersEventsContract } from '@basis/contracts';
import { type Implemented, implement, router } from '../trpc.js';

const procedures = {
  feed: implement(usersEventsContract.feed, async ({ ctx, input }) => ({
    events: await ctx.events.after(input.after, input.limit),
  })),
} satisfies { [K in keyof UsersEventsContract]: Implemented<UsersEventsContract[K]> };

/** The user-event feed (`usersEventsContract`): `posts` only, by the contract's allow-list. */
export const eventsRouter = router(procedures);
