import { TRPCClientError } from '@trpc/client';
import type { AnyRouter, TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { expect } from 'vitest';

/** The shape of `error.data` a service error carries. */
export interface ErrorData {
  code: TRPC_ERROR_CODE_KEY;
  httpStatus: number;
  issues?: { path: (string | number)[]; message: string; code: string }[];
  stack?: string;
  reason?: string;
}

/**
 * Awaits a call expected to fail and checks its tRPC code (and HTTP status, which tRPC derives from
 * it), that it carries no stack, and its message when given.
 * @returns the client error, for further checks
 */
export async function expectTRPCError<TRouter extends AnyRouter = AnyRouter>(
  call: Promise<unknown>,
  code: TRPC_ERROR_CODE_KEY,
  message?: string,
): Promise<TRPCClientError<TRouter>> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, `expected ${code}, but the call succeeded`).toBeInstanceOf(TRPCClientError);
  const clientError = error as TRPCClientError<TRouter>;
  const data = clientError.data as ErrorData | undefined;
  expect(data?.code).toBe(code);
  expect(data?.stack).toBeUndefined();
  if (message !== undefined) expect(clientError.message).toBe(message);
  return clientError;
}
