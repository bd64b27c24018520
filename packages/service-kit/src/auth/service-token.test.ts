import { describe, expect, it } from 'vitest';
import { mintServiceToken, TEST_SERVICE_TOKEN_SECRET } from '../test/tokens.js';
import { ServiceTokenError, serviceTokenKey, verifyServiceToken } from './service-token.js';

const KEY = serviceTokenKey(TEST_SERVICE_TOKEN_SECRET);

describe('verifyServiceToken with an audience per service', () => {
  it('accepts a credential minted for this service and returns its actor', () => {
    const token = mintServiceToken('posts', { id: 9, role: 'user', sessionId: 's-1' });
    expect(verifyServiceToken(`Bearer ${token}`, KEY, 'posts')).toEqual({ id: 9, role: 'user', sessionId: 's-1' });
  });

  it('refuses a credential minted for another service', () => {
    const forUsers = `Bearer ${mintServiceToken('users', { id: 9, role: 'user' })}`;
    expect(() => verifyServiceToken(forUsers, KEY, 'posts')).toThrow(ServiceTokenError);
    expect(() => verifyServiceToken(forUsers, KEY, 'posts')).toThrow(/audience/);
    expect(verifyServiceToken(forUsers, KEY, 'users')).toEqual({ id: 9, role: 'user' });
  });

  it('refuses a user id past int4 in sub', () => {
    const token = mintServiceToken('posts', { id: 2_147_483_648, role: 'user' });
    expect(() => verifyServiceToken(`Bearer ${token}`, KEY, 'posts')).toThrow('sub is out of range');
  });
});
