import { expectTRPCError as expectKitTRPCError } from '@basis/service-kit/test';
import type { TRPCClientError } from '@trpc/client';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { expect } from 'vitest';
import type { UsersRouter } from '../../src/index.js';

export type { ErrorData } from '@basis/service-kit/test';

/**
 * Awaits a call expected to fail and checks its tRPC code (and HTTP status, which tRPC derives from it).
 * @returns the client error, for further checks
 */
export function expectTRPCError(
  call: Promise<unknown>,
  code: TRPC_ERROR_CODE_KEY,
  message?: string,
): Promise<TRPCClientError<UsersRouter>> {
  return expectKitTRPCError<UsersRouter>(call, code, message);
}

/** Strings that must never appear in a response body. */
export const FORBIDDEN_IN_RESPONSES = ['passwordHash', 'password_hash', '$argon2', '"stack"', '    at '];

/** Asserts that a serialised response carries no password hash, argon2 string or stack trace. */
export function expectNoSecrets(body: string): void {
  for (const needle of FORBIDDEN_IN_RESPONSES) expect(body).not.toContain(needle);
}
