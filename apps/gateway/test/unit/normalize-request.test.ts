import { describe, expect, it } from 'vitest';
import { normalizeContentType, normalizeUrl } from '../../src/http/normalize-request.js';

describe('normalizeUrl', () => {
  it.each([
    ['/api/v1/auth/./access', '/api/v1/auth/access'],
    ['/api/v1/x/../auth/access', '/api/v1/auth/access'],
    ['/api/v1//auth///access', '/api/v1/auth/access'],
    ['/api/v1/x/%2e%2e/auth/%2E/access', '/api/v1/auth/access'],
    ['/../../api/v1/users/me', '/api/v1/users/me'],
    ['/api/v1/users/./me?limit=5&x=a/../b', '/api/v1/users/me?limit=5&x=a/../b'],
    ['//evil.example/api/v1/users/me', '/evil.example/api/v1/users/me'],
    ['/api/v1/./users\\..\\me', '/api/v1/users%5C..%5Cme'],
    ['/api/v1/users/..', '/api/v1/'],
  ])('resolves %s to %s', (input, expected) => {
    expect(normalizeUrl(input)).toBe(expected);
  });

  it.each([
    '/api/v1/users/me',
    '/api/v1/users?limit=5',
    '/.well-known/x',
    '/api/v1/users/..me',
    '/trpc/auth.access,auth.refresh?batch=1',
    '*',
  ])('leaves %s unchanged', (input) => {
    expect(normalizeUrl(input)).toBe(input);
  });
});

describe('normalizeContentType', () => {
  it.each([
    ['APPLICATION/JSON', 'application/json'],
    ['Application/Json; charset=UTF-8', 'application/json; charset=UTF-8'],
    ['multipart/form-data; boundary=AbC', 'multipart/form-data; boundary=AbC'],
    [' application/json ', 'application/json'],
  ])('lower-cases the media type of %s, not its parameters', (input, expected) => {
    expect(normalizeContentType(input)).toBe(expected);
  });
});
