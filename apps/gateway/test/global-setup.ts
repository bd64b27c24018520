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
  users = await startUsersService();
  project.provide('usersUrl', users.url);
}

/** Stops the shared users service. */
export async function teardown(): Promise<void> {
  await users?.stop();
}
