import { TRPCError } from '@trpc/server';

/** Default message of the CONFLICT a unique violation becomes (services name their own, e.g. 'Email already registered'). */
export const ALREADY_EXISTS = 'Already exists';
/** The only message an INTERNAL_SERVER_ERROR ever carries to a caller. */
export const INTERNAL_ERROR_MESSAGE = 'Internal server error';
/** Message of SERVICE_UNAVAILABLE when the database does not answer. */
export const DATABASE_UNAVAILABLE = 'Database unavailable';
/** Message of the BAD_REQUEST raised when the database refuses a value the contract let through. */
export const INVALID_VALUE = 'Invalid value';

/** SQLSTATE class 22, data exception: 22003 numeric out of range, 22021 invalid byte sequence (NUL), 22P02… */
const DATA_EXCEPTION = /^22[0-9A-Z]{3}$/;

/**
 * Codes that mean "the database is not reachable, or not there": Node's socket-level failures,
 * postgres.js's own connection codes, and the SQLSTATEs a server sends when it will not serve us.
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 * @see https://github.com/porsager/postgres#connection-errors
 */
const CONNECTION_ERROR_CODES = new Set([
  // Node sockets and DNS.
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  // postgres.js.
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  // PostgreSQL.
  '3D000', // invalid_catalog_name: the database was dropped (or never created)
  '57P01', // admin_shutdown (also what DROP DATABASE … WITH (FORCE) sends to open connections)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, recovering)
  '53300', // too_many_connections
]);

/** SQLSTATE class 08, connection exception (08000, 08003, 08006, 08001, 08004, 08P01, …). */
const CONNECTION_EXCEPTION = /^08[0-9A-Z]{3}$/;

/** Error codes found on an error and its `cause` chain (drizzle wraps driver errors in `DrizzleQueryError.cause`). */
function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { code, errno } = current as { code?: unknown; errno?: unknown };
    if (typeof code === 'string') codes.push(code);
    if (typeof errno === 'string') codes.push(errno);
    if (current instanceof AggregateError) for (const inner of current.errors) codes.push(...codesOf(inner));
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

/**
 * Whether an error is PostgreSQL's unique violation (SQLSTATE 23505), directly or as a drizzle error's cause.
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export function isUniqueViolation(error: unknown): boolean {
  return codesOf(error).includes('23505');
}

/**
 * Whether an error is a PostgreSQL data exception (SQLSTATE class 22): a value the database cannot
 * store or compare, such as an integer out of range or a NUL byte in text. The contracts refuse the
 * known ones first; this is the backstop for the rest.
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export function isDataException(error: unknown): boolean {
  return codesOf(error).some((code) => DATA_EXCEPTION.test(code));
}

/**
 * Whether an error means the database could not be reached or is gone: refused, reset, timed out,
 * shutting down, a connection exception (SQLSTATE class 08), or the database dropped (3D000).
 */
export function isConnectionError(error: unknown): boolean {
  return codesOf(error).some((code) => CONNECTION_ERROR_CODES.has(code) || CONNECTION_EXCEPTION.test(code));
}

/** How {@link toTRPCError} words the errors whose meaning depends on the service. */
export interface ErrorMessages {
  /** Message of the CONFLICT a unique violation becomes; default {@link ALREADY_EXISTS}. */
  conflict?: string;
}

/**
 * The one table from a thrown error to the tRPC error a caller sees: a `TRPCError` passes through; a
 * unique violation (SQLSTATE 23505) becomes CONFLICT with `messages.conflict`; a data exception
 * (SQLSTATE class 22) BAD_REQUEST 'Invalid value', since the caller sent a value the column cannot
 * hold; an unreachable database (sockets, postgres.js connection codes, class 08, 3D000, 57P0x, 53300)
 * SERVICE_UNAVAILABLE 'Database unavailable'; anything else INTERNAL_SERVER_ERROR with a generic
 * message. The original error stays as `cause`, for the server log only.
 * @param error anything thrown
 * @param messages the service's wording of CONFLICT
 * @returns a `TRPCError` safe to send (its message never contains driver text or SQL)
 * @see https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
export function toTRPCError(error: unknown, messages: ErrorMessages = {}): TRPCError {
  if (error instanceof TRPCError) return error;
  if (isUniqueViolation(error))
    return new TRPCError({ code: 'CONFLICT', message: messages.conflict ?? ALREADY_EXISTS, cause: error });
  if (isDataException(error)) return new TRPCError({ code: 'BAD_REQUEST', message: INVALID_VALUE, cause: error });
  if (isConnectionError(error)) {
    return new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: DATABASE_UNAVAILABLE, cause: error });
  }
  return new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: INTERNAL_ERROR_MESSAGE, cause: error });
}

/**
 * The innermost error of a `cause` chain: for a drizzle `DrizzleQueryError` (whose message embeds the SQL
 * and its parameters) that is the driver's error. Used for logs.
 * @param error anything thrown
 * @returns the last `cause` found (at most 5 levels down), or `error` itself
 */
export function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause !== undefined; depth++) {
    current = current.cause;
  }
  return current;
}
