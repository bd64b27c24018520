import type { GatewayRouter } from '@basis/gateway';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { runIfMain, uniqueEmail } from './cli.js';

/** What the tRPC example did, for a test to check against a live stack. */
export interface TrpcExampleResult {
  userId: number;
  email: string;
  listedTotal: number;
  rotated: boolean;
  duplicateCode: string | undefined;
}

/**
 * The tRPC client tour over the gateway's `/trpc` endpoint, typed end to end from
 * `GatewayRouter` (imported as a type only: no gateway code is bundled): register, log in,
 * read the caller, list users, refresh, see a typed error, log out.
 * @param baseURL the gateway's origin, e.g. `http://127.0.0.1:8001`
 * @param log where progress lines go; `console.log` by default
 * @throws {TRPCClientError} when a step the example expects to succeed fails
 */
export async function main(baseURL: string, log: (line: string) => void = console.log): Promise<TrpcExampleResult> {
  let accessToken: string | undefined;
  const trpc = createTRPCClient<GatewayRouter>({
    links: [
      httpLink({
        url: `${baseURL.replace(/\/+$/, '')}/trpc`,
        // Read on every call, so a token obtained later is sent from then on.
        headers: () => (accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` }),
      }),
    ],
  });
  const credentials = { email: uniqueEmail('trpc-example'), password: 'correct horse battery staple' };

  const user = await trpc.users.create.mutate({ ...credentials, firstName: 'Grace', lastName: 'Hopper' });
  log(`registered user ${user.id} <${user.email}>`);

  const tokens = await trpc.auth.access.mutate(credentials);
  accessToken = tokens.access_token;
  const me = await trpc.users.me.query();
  log(`logged in as ${me.firstName} ${me.lastName} (${me.role})`);

  const page = await trpc.users.list.query({ limit: 5 });
  log(`listed ${page.items.length} of ${page.total} users`);

  // Unlike @basis/client, a plain tRPC client leaves refreshing to you.
  const renewed = await trpc.auth.refresh.mutate({ refresh_token: tokens.refresh_token });
  accessToken = renewed.access_token;
  log('refreshed the tokens');

  let duplicateCode: string | undefined;
  try {
    await trpc.users.create.mutate(credentials);
  } catch (error) {
    if (!isGatewayError(error)) throw error;
    duplicateCode = error.data?.code;
    log(`registering again: ${duplicateCode ?? 'error'} — ${error.message}`);
  }

  await trpc.auth.logout.mutate({ refresh_token: renewed.refresh_token });
  accessToken = undefined;
  log('logged out');

  return {
    userId: user.id,
    email: user.email,
    listedTotal: page.total,
    rotated: renewed.refresh_token !== tokens.refresh_token,
    duplicateCode,
  };
}

/** Narrows a caught value to an error of this router, whose `data` carries `code`, `httpStatus` and `requestId`. */
function isGatewayError(error: unknown): error is TRPCClientError<GatewayRouter> {
  return error instanceof TRPCClientError;
}

runIfMain(import.meta.url, main);
