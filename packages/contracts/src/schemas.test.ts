import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Credentials, TokenResponse } from './schemas/auth.js';
import { ErrorEnvelope } from './schemas/error.js';
import {
  Email,
  MAX_EMAIL_LENGTH,
  MAX_USER_ID,
  User,
  UserAdminUpdate,
  UserCreate,
  UserId,
  UserListQuery,
  UserRef,
  UserSelfUpdate,
} from './schemas/user.js';

const validUser = {
  id: 1,
  email: 'ada@example.com',
  firstName: 'Ada',
  lastName: null,
  isActive: true,
  role: 'user',
  createdAt: '2026-01-01T12:00:00.000Z',
  updatedAt: '2026-01-01T12:00:00.000+02:00',
} as const;

describe('Email', () => {
  it('trims and lower-cases before checking', () => {
    expect(Email.parse('  Ada.Lovelace@Example.COM \n')).toBe('ada.lovelace@example.com');
  });

  it.each(['', 'ada', 'ada@', '@example.com', 'ada @example.com'])('rejects %j', (value) => {
    expect(Email.safeParse(value).success).toBe(false);
  });

  it('normalises the email of registration, login and updates alike', () => {
    const input = { email: ' ADA@example.com', password: 'correct horse' };
    expect(UserCreate.parse(input).email).toBe('ada@example.com');
    expect(Credentials.parse(input).email).toBe('ada@example.com');
    expect(UserSelfUpdate.parse({ email: 'ADA@EXAMPLE.COM' }).email).toBe('ada@example.com');
    expect(UserAdminUpdate.parse({ id: 1, email: 'ADA@EXAMPLE.COM' }).email).toBe('ada@example.com');
  });
});

describe('password bounds (8..128 characters)', () => {
  const register = (password: string) => UserCreate.safeParse({ email: 'ada@example.com', password });

  it.each([8, 128])('accepts %i characters', (length) => {
    expect(register('x'.repeat(length)).success).toBe(true);
  });

  it.each([
    [7, 'Password must be at least 8 characters'],
    [129, 'Password must be at most 128 characters'],
  ])('rejects %i characters with an issue naming the password field', (length, message) => {
    const result = register('x'.repeat(length));
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([expect.objectContaining({ path: ['password'], message })]);
  });

  it('applies the same bounds to a password change', () => {
    expect(UserSelfUpdate.safeParse({ password: 'short' }).error?.issues[0]?.path).toEqual(['password']);
    expect(UserAdminUpdate.safeParse({ id: 1, password: 'x'.repeat(129) }).error?.issues[0]?.path).toEqual([
      'password',
    ]);
  });

  it('checks only presence at login, so an old short password still gets a 401 rather than a 400', () => {
    expect(Credentials.safeParse({ email: 'ada@example.com', password: 'short' }).success).toBe(true);
    expect(Credentials.safeParse({ email: 'ada@example.com', password: '' }).success).toBe(false);
  });
});

describe('UserId', () => {
  it.each([1, 42, MAX_USER_ID])('accepts %d', (id) => {
    expect(UserId.parse(id)).toBe(id);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER, '1', null])(
    'rejects %j',
    (id) => {
      expect(UserId.safeParse(id).success).toBe(false);
    },
  );
});

describe('GET /users/2147483648 (breaker report)', () => {
  it('rejects an id past PostgreSQL’s integer range with a message naming the bound', () => {
    expect(MAX_USER_ID).toBe(2_147_483_647);
    const result = UserRef.safeParse({ id: 2_147_483_648 });
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ['id'], code: 'too_big', message: 'User id must be at most 2147483647' }),
    ]);
    expect(UserRef.parse({ id: 2_147_483_647 })).toEqual({ id: 2_147_483_647 });
  });

  it('documents the bound in the JSON Schema the OpenAPI document is built from', () => {
    expect(z.toJSONSchema(UserId)).toMatchObject({ type: 'integer', maximum: 2_147_483_647 });
  });
});

describe('NUL (\\u0000) in firstName/lastName (breaker report)', () => {
  const register = (fields: Record<string, unknown>) =>
    UserCreate.safeParse({ email: 'ada@example.com', password: 'correct horse', ...fields });

  it.each(['Ada\u0000', '\u0000', 'Ada\u0007Lovelace', 'Ada\nLovelace', 'Ada\u009b'])('rejects the name %j', (name) => {
    for (const field of ['firstName', 'lastName']) {
      expect(register({ [field]: name }).error?.issues).toEqual([
        expect.objectContaining({ path: [field], message: 'Name must not contain control characters' }),
      ]);
    }
    expect(UserSelfUpdate.safeParse({ firstName: name }).success).toBe(false);
    expect(UserAdminUpdate.safeParse({ id: 1, lastName: name }).success).toBe(false);
  });

  it.each(['Ada', 'Zoë', 'José María', 'Ōtsuka', 'O’Brien-Smith', '  Ada  '])('accepts the name %j', (name) => {
    expect(register({ firstName: name, lastName: name }).success).toBe(true);
  });
});

describe('Email with NUL or longer than 254 characters (breaker report)', () => {
  it('rejects control characters with a message that says so', () => {
    for (const email of ['ada\u0000@example.com', 'ada@example.com\u0000', 'ada@exa\u001bmple.com']) {
      expect(Email.safeParse(email).error?.issues).toEqual([
        expect.objectContaining({ message: 'Email must not contain control characters' }),
      ]);
    }
  });

  it('accepts 254 characters and rejects 255 (RFC 5321 path limit)', () => {
    const domain = '@example.com';
    const local = (length: number) => 'a'.repeat(length - domain.length);
    expect(MAX_EMAIL_LENGTH).toBe(254);
    expect(Email.safeParse(`${local(254)}${domain}`).success).toBe(true);
    expect(Email.safeParse(`${local(255)}${domain}`).error?.issues).toEqual([
      expect.objectContaining({ code: 'too_big', message: 'Email must be at most 254 characters' }),
    ]);
    expect(Email.safeParse(`  ${local(254)}${domain}  `).success).toBe(true);
  });
});

describe('UserListQuery', () => {
  it('defaults to limit 50 and offset 0', () => {
    expect(UserListQuery.parse({})).toEqual({ limit: 50, offset: 0 });
  });

  it.each([
    [{ limit: 1 }, { limit: 1, offset: 0 }],
    [
      { limit: 100, offset: 250 },
      { limit: 100, offset: 250 },
    ],
  ])('accepts %j', (input, expected) => {
    expect(UserListQuery.parse(input)).toEqual(expected);
  });

  it.each([
    [{ limit: 0 }, 'limit'],
    [{ limit: 101 }, 'limit'],
    [{ limit: 2.5 }, 'limit'],
    [{ offset: -1 }, 'offset'],
    [{ offset: 0.5 }, 'offset'],
  ])('rejects %j naming %s', (input, field) => {
    expect(UserListQuery.safeParse(input).error?.issues[0]?.path).toEqual([field]);
  });
});

describe('User (output)', () => {
  it('strips fields it does not know, such as passwordHash', () => {
    const parsed = User.parse({ ...validUser, passwordHash: '$argon2id$v=19$…', password: 'secret' });
    expect(parsed).toEqual(validUser);
    expect(parsed).not.toHaveProperty('passwordHash');
    expect(parsed).not.toHaveProperty('password');
  });

  it('requires ISO 8601 timestamps and a known role', () => {
    expect(User.safeParse({ ...validUser, createdAt: 'yesterday' }).success).toBe(false);
    expect(User.safeParse({ ...validUser, role: 'root' }).success).toBe(false);
  });
});

describe('TokenResponse', () => {
  it('is the RFC 6749 §5.1 shape with a bearer token type and a lifetime in seconds', () => {
    const tokens = { access_token: 'a', refresh_token: 'r', token_type: 'bearer', expires_in: 900 };
    expect(TokenResponse.parse(tokens)).toEqual(tokens);
    expect(TokenResponse.safeParse({ ...tokens, token_type: 'mac' }).success).toBe(false);
    expect(TokenResponse.safeParse({ ...tokens, expires_in: 0 }).success).toBe(false);
  });
});

describe('ErrorEnvelope', () => {
  it('accepts { code, message, issues?, requestId? } with tRPC code names only', () => {
    expect(ErrorEnvelope.safeParse({ code: 'NOT_FOUND', message: 'User not found', requestId: 'r1' }).success).toBe(
      true,
    );
    expect(
      ErrorEnvelope.safeParse({
        code: 'BAD_REQUEST',
        message: 'Invalid input',
        issues: [{ path: ['password'], message: 'too short', code: 'too_small', minimum: 8 }],
      }).success,
    ).toBe(true);
    expect(ErrorEnvelope.safeParse({ code: 'NOPE', message: 'x' }).success).toBe(false);
  });
});
