import type { TestProject } from 'vitest/node';
import { startUsersService, type UsersService } from './helpers/users-service.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the users service shared by the integration suites (PGlite in memory). */
    usersUrl: string;
  }
}

let users: UsersService | undefined;

/**
 * Starts one users service for every test file (a PGlite start with migrations and the
 * bootstrap admin takes seconds); suites that stop their upstream start their own.
 */
export async function setup(project: TestProject): Promise<void> {
  // Reuse of a rotated refresh token revokes at once here, as the suites expect; the reuse interval
  // (10 s by default) has its own suite, issue-10-refresh-reuse-interval.test.ts.
  users = await startUsersService({ REFRESH_REUSE_INTERVAL_SECONDS: '0' });
  project.provide('usersUrl', users.url);
}

/** Stops the shared users service. */
export async function teardown(): Promise<void> {
  await users?.stop();
}
