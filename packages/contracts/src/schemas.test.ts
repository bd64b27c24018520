import { describe, expect, it } from 'vitest';
import { Credentials, TokenResponse } from './schemas/auth.js';
import { ErrorEnvelope } from './schemas/error.js';
import { Email, User, UserAdminUpdate, UserCreate, UserId, UserListQuery, UserSelfUpdate } from './schemas/user.js';

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
  it.each([1, 42, Number.MAX_SAFE_INTEGER])('accepts %d', (id) => {
    expect(UserId.parse(id)).toBe(id);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '1', null])('rejects %j', (id) => {
    expect(UserId.safeParse(id).success).toBe(false);
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
