import { BasisApiError, createClient } from '@basis/client';
import { runIfMain, uniqueEmail } from './cli.js';

/** What the REST example did, for a test to check against a live stack. */
export interface RestExampleResult {
  userId: number;
  email: string;
  listedTotal: number;
  rotated: boolean;
  duplicateStatus: number;
  postId: number;
  /** Posts in the caller's composed profile (`null` when posts could not be had), and what was missing. */
  profilePosts: number | null;
  profilePartial: string[];
}

/**
 * The REST client tour: register, log in, read the caller, list users, write a post, read the
 * composed profile (user and newest posts), refresh the tokens, see a typed error, log out.
 * @param baseURL the gateway's origin, e.g. `http://127.0.0.1:8001` (REST lives under `/api/v1`)
 * @param log where progress lines go; `console.log` by default
 * @throws {BasisApiError} when a step the example expects to succeed fails
 */
export async function main(baseURL: string, log: (line: string) => void = console.log): Promise<RestExampleResult> {
  const client = createClient({
    baseURL,
    onTokens: (tokens) => log(tokens === null ? 'tokens dropped' : `tokens kept (expires in ${tokens.expires_in} s)`),
  });
  const credentials = { email: uniqueEmail('rest-example'), password: 'correct horse battery staple' };

  // POST /users → 201 User (the password is never echoed back).
  const user = await client.users.create({ ...credentials, firstName: 'Ada', lastName: 'Lovelace' });
  log(`registered user ${user.id} <${user.email}>`);

  // POST /auth/access → the client keeps the pair and sends the access token as a bearer.
  await client.login(credentials);
  const me = await client.users.me();
  log(`logged in as ${me.firstName} ${me.lastName} (${me.role})`);

  // GET /users?limit=5 → one page; query parameters come from the typed input.
  const page = await client.users.list({ limit: 5 });
  log(`listed ${page.items.length} of ${page.total} users`);

  // POST /posts → 201 Post, written by the caller; GET /posts/{id} is public.
  const post = await client.posts.create({
    title: 'Notes on the Analytical Engine',
    body: 'It weaves algebraic patterns.',
  });
  const read = await client.posts.byId({ id: post.id });
  log(`wrote post ${post.id} "${read.title}"`);

  // GET /users/{id}/profile → the user and their newest posts, composed by the gateway. When posts
  // cannot be had the answer is still 200, with `posts: null` and `partial: ["posts"]`.
  const profile = await client.profiles.byUserId({ id: me.id });
  log(
    profile.posts === null
      ? `profile of ${profile.user.email}: posts missing (${profile.partial.join(', ')})`
      : `profile of ${profile.user.email}: ${profile.posts.length} post(s)`,
  );

  // POST /auth/refresh → a new pair; the old refresh token stops working. A 401 on any call
  // would do this on its own, once, before retrying the call.
  const before = client.tokens?.refresh_token;
  const after = await client.refresh();
  log('refreshed the tokens');

  // Errors are typed: status, tRPC code, request id (and zod issues on a 400).
  let duplicateStatus = 0;
  try {
    await client.users.create(credentials);
  } catch (error) {
    if (!(error instanceof BasisApiError)) throw error;
    duplicateStatus = error.status;
    log(`registering again: ${error.status} ${error.code} (request ${error.requestId ?? 'unknown'})`);
  }

  // POST /auth/logout → 204; the client forgets the tokens.
  await client.logout();
  log('logged out');

  return {
    userId: user.id,
    email: user.email,
    listedTotal: page.total,
    rotated: before !== after.refresh_token,
    duplicateStatus,
    postId: post.id,
    profilePosts: profile.posts === null ? null : profile.posts.length,
    profilePartial: profile.partial,
  };
}

runIfMain(import.meta.url, main);
