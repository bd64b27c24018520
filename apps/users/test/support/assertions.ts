import { TRPCClientError } from '@trpc/client';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { expect } from 'vitest';
import type { UsersRouter } from '../../src/index.js';

/** The shape of `error.data` a users-service error carries. */
export interface ErrorData {
  code: TRPC_ERROR_CODE_KEY;
  httpStatus: number;
  issues?: { path: (string | number)[]; message: string; code: string }[];
  stack?: string;
}

/**
 * Awaits a call expected to fail and checks its tRPC code (and HTTP status, which tRPC derives from it).
 * @returns the client error, for further checks
 */
export async function expectTRPCError(
  call: Promise<unknown>,
  code: TRPC_ERROR_CODE_KEY,
  message?: string,
): Promise<TRPCClientError<UsersRouter>> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, `expected ${code}, but the call succeeded`).toBeInstanceOf(TRPCClientError);
  const clientError = error as TRPCClientError<UsersRouter>;
  const data = clientError.data as ErrorData | undefined;
  expect(data?.code).toBe(code);
  expect(data?.stack).toBeUndefined();
  if (message !== undefined) expect(clientError.message).toBe(message);
  return clientError;
}

/** Strings that must never appear in a response body. */
export const FORBIDDEN_IN_RESPONSES = ['passwordHash', 'password_hash', '$argon2', '"stack"', '    at '];

/** Asserts that a serialised response carries no password hash, argon2 string or stack trace. */
export function expectNoSecrets(body: string): void {
  for (const needle of FORBIDDEN_IN_RESPONSES) expect(body).not.toContain(needle);
}
