import { z } from 'zod';

/** Largest user id: `users.id` is a PostgreSQL `integer` (int4), so anything larger cannot name a row. */
export const MAX_USER_ID = 2_147_483_647;

/**
 * A user's database id: an integer in 1..{@link MAX_USER_ID} (path ids arrive as strings and are coerced
 * by the gateway). The upper bound is a validation error (400), not a database overflow (SQLSTATE 22003).
 * @see https://www.postgresql.org/docs/current/datatype-numeric.html#DATATYPE-INT
 */
export const UserId = z
  .number()
  .int()
  .positive()
  .max(MAX_USER_ID, { error: `User id must be at most ${MAX_USER_ID}` })
  .meta({ description: `User id, 1..${MAX_USER_ID}`, example: 1 });
export type UserId = z.infer<typeof UserId>;

/**
 * C0 and C1 control characters (NUL included). PostgreSQL text cannot hold NUL (SQLSTATE 22021), and no
 * name or email address has a reason to contain any of them.
 */
const CONTROL_CHARACTERS = /\p{Cc}/u;

/** Roles, lowest to highest privilege. */
export const Role = z.enum(['user', 'admin']).meta({ description: 'Role of the user' });
export type Role = z.infer<typeof Role>;

/** Largest email address: the 256-octet SMTP path limit minus its angle brackets. @see RFC 5321 §4.5.3.1.3 */
export const MAX_EMAIL_LENGTH = 254;

/** An email address, trimmed and lower-cased before it is checked or stored; at most 254 characters, no control characters. */
export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .max(MAX_EMAIL_LENGTH, { error: `Email must be at most ${MAX_EMAIL_LENGTH} characters`, abort: true })
  .refine((value) => !CONTROL_CHARACTERS.test(value), {
    error: 'Email must not contain control characters',
    abort: true,
  })
  .check(z.email({ error: 'Invalid email address' }))
  .meta({ example: 'ada@example.com' });

/** A plaintext password as a client sends it: 8 to 128 characters. Never part of an output. */
export const Password = z
  .string()
  .min(8, { error: 'Password must be at least 8 characters' })
  .max(128, { error: 'Password must be at most 128 characters' })
  .meta({ example: 'correct horse battery staple' });

/** A first or last name: 1 to 100 characters after trimming, no control characters. */
const Name = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((value) => !CONTROL_CHARACTERS.test(value), { error: 'Name must not contain control characters' });

/** The public view of a user. It has no password field, so output parsing strips any hash. */
export const User = z
  .object({
    id: UserId,
    email: z.string(),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    isActive: z.boolean(),
    role: Role,
    createdAt: z.iso.datetime({ offset: true }).meta({ description: 'ISO 8601 timestamp' }),
    updatedAt: z.iso.datetime({ offset: true }).meta({ description: 'ISO 8601 timestamp' }),
  })
  .meta({
    id: 'User',
    examples: [
      {
        id: 1,
        email: 'ada@example.com',
        firstName: 'Ada',
        lastName: 'Lovelace',
        isActive: true,
        role: 'user',
        createdAt: '2026-01-01T12:00:00.000Z',
        updatedAt: '2026-01-01T12:00:00.000Z',
      },
    ],
  });
export type User = z.infer<typeof User>;

/** Body of `POST /users` (registration). */
export const UserCreate = z
  .object({
    email: Email,
    password: Password,
    firstName: Name.nullish(),
    lastName: Name.nullish(),
  })
  .meta({
    id: 'UserCreate',
    examples: [
      { email: 'ada@example.com', password: 'correct horse battery staple', firstName: 'Ada', lastName: 'Lovelace' },
    ],
  });
export type UserCreate = z.infer<typeof UserCreate>;

/** Fields a user may change on their own account (`PATCH /users/me`). */
export const UserSelfUpdate = z
  .object({
    email: Email.optional(),
    password: Password.optional(),
    firstName: Name.nullish(),
    lastName: Name.nullish(),
  })
  .meta({ id: 'UserSelfUpdate', examples: [{ firstName: 'Augusta' }] });
export type UserSelfUpdate = z.infer<typeof UserSelfUpdate>;

/** An admin's update of any user (`PATCH /users/{id}`): the self fields plus `isActive` and `role`. */
export const UserAdminUpdate = UserSelfUpdate.extend({
  id: UserId,
  isActive: z.boolean().optional(),
  role: Role.optional(),
}).meta({ id: 'UserAdminUpdate', examples: [{ id: 2, isActive: false }] });
export type UserAdminUpdate = z.infer<typeof UserAdminUpdate>;

/** Input naming one user by id (`/users/{id}`). */
export const UserRef = z.object({ id: UserId });
export type UserRef = z.infer<typeof UserRef>;

/** Page request for `GET /users`: `limit` 1..100 (default 50), `offset` ≥ 0 (default 0). */
export const UserListQuery = z.object({
  limit: z.number().int().min(1).max(100).default(50).meta({ description: 'Page size, 1..100' }),
  offset: z.number().int().min(0).default(0).meta({ description: 'Rows to skip' }),
});
export type UserListQuery = z.infer<typeof UserListQuery>;

/** One page of users with the total count across all pages. */
export const UserPage = z
  .object({
    items: z.array(User),
    total: z.number().int().min(0),
    limit: z.number().int(),
    offset: z.number().int(),
  })
  .meta({ id: 'UserPage' });
export type UserPage = z.infer<typeof UserPage>;
