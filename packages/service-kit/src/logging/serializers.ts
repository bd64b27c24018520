/**
 * Fields of a driver error that describe what failed without quoting the data: PostgreSQL's error
 * fields as PGlite and pg name them, and as postgres.js names them (`*_name`). `detail`, `hint`,
 * `where`, `internalQuery`, `query`, `params` and `parameters` are left out: they quote SQL and the
 * values bound to it (a unique violation's `detail` names the email, an insert's `params` hold the
 * argon2 hash).
 * @see https://www.postgresql.org/docs/current/protocol-error-fields.html
 */
const SAFE_FIELDS = [
  'code',
  'errno',
  'severity',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'routine',
  'schema_name',
  'table_name',
  'column_name',
  'data_type_name',
  'constraint_name',
] as const;

/** How deep `cause` chains (and `AggregateError` members) are followed. */
const MAX_DEPTH = 5;

/** What {@link serializeError} logs for one error. */
export interface SerializedError {
  type: string;
  message: string;
  /** The stack's frames, without its first line (which repeats the message); empty when there are none. */
  stack: string;
  cause?: unknown;
  errors?: unknown[];
  [field: string]: unknown;
}

/** Bound values of a failed query, from PGlite/pg (`params`) or postgres.js (`parameters`). */
function boundValues(error: Record<string, unknown>): string[] {
  const values = [error.params, error.parameters].flatMap((list) => (Array.isArray(list) ? list : []));
  return values.filter((value): value is string => typeof value === 'string' && value.length >= 3);
}

/**
 * The message with anything that quotes the query removed: a message that embeds the SQL (drizzle's
 * `Failed query: … params: …`) is replaced, and bound values are cut out of any other message.
 */
function safeMessage(error: Error & Record<string, unknown>): string {
  const { message } = error;
  const query = error.query;
  if (
    (typeof query === 'string' && query.length > 0 && message.includes(query)) ||
    message.startsWith('Failed query')
  ) {
    return 'Failed query (SQL and parameters omitted)';
  }
  return boundValues(error).reduce((text, value) => text.split(value).join('[redacted]'), message);
}

/** An `Error`, or an object shaped like one (drivers in other realms, wrapped rejections). */
function isErrorLike(value: unknown): value is Error & Record<string, unknown> {
  if (value instanceof Error) return true;
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}

/** A readable type: the error's `name`, or its class name when the name is the generic `Error`. */
function typeOf(error: Error): string {
  const className = error.constructor?.name;
  return error.name === 'Error' && className && className !== 'Object' ? className : String(error.name ?? 'Error');
}

/** The stack's frames only: its first line repeats the message, which may quote the query. */
function framesOf(stack: unknown): string {
  if (typeof stack !== 'string') return '';
  return stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .join('\n');
}

/** One link of an error chain: an error-like value as {@link serializeError} logs it; anything else as is. */
function serializeLink(value: unknown, depth: number): unknown {
  if (!isErrorLike(value)) return value;
  const error = value;
  const serialized: SerializedError = {
    type: typeOf(error),
    message: safeMessage(error),
    stack: framesOf(error.stack),
  };
  for (const field of SAFE_FIELDS) {
    const fieldValue = error[field];
    if (typeof fieldValue === 'string' || typeof fieldValue === 'number') serialized[field] = fieldValue;
  }
  if (depth < MAX_DEPTH) {
    if (error.cause !== undefined) serialized.cause = serializeLink(error.cause, depth + 1);
    if (error instanceof AggregateError)
      serialized.errors = error.errors.map((inner) => serializeLink(inner, depth + 1));
  }
  return serialized;
}

/**
 * pino's `err` serializer for this service: logs an error's type, message, stack frames and the safe
 * fields of driver errors (SQLSTATE `code`, `severity`, schema/table/column/constraint names), and
 * follows `cause` and `AggregateError#errors` the same way. Never logs `query`, `params`,
 * `parameters`, `detail` or a message that embeds the SQL, so neither a password hash nor an email
 * bound to a failed insert reaches the log.
 * @param error what was logged under `err`
 * @returns a plain object for pino to stringify
 */
export function serializeError(error: Error): SerializedError {
  return serializeLink(error, 0) as SerializedError;
}

/**
 * The same, for values logged under a key that may hold anything (`error`): error-like values are
 * serialized as by {@link serializeError}, anything else is left as is (the redaction paths still apply).
 * @param value what was logged
 */
export function serializeMaybeError(value: unknown): unknown {
  return serializeLink(value, 0);
}
