import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWKS_PATH } from '../../src/auth/jwks.js';
import { type Stack, startStack } from '../helpers/stack.js';

interface Operation {
  security?: unknown;
  requestBody?: { content: Record<string, { schema?: unknown; example?: unknown }> };
  responses: Record<
    string,
    {
      description: string;
      headers?: Record<string, unknown>;
      content?: Record<string, { schema?: unknown; example?: unknown }>;
    }
  >;
}
interface Doc {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

/** Every row of the SPEC.md REST table: method, path, protected, success status. */
const SPEC_ROUTES = [
  ['post', '/auth/access', false, '200'],
  ['post', '/auth/refresh', false, '200'],
  ['post', '/auth/logout', false, '204'],
  ['post', '/users', false, '201'],
  ['get', '/users', true, '200'],
  ['get', '/users/me', true, '200'],
  ['patch', '/users/me', true, '200'],
  ['get', '/users/{id}', true, '200'],
  ['patch', '/users/{id}', true, '200'],
  ['delete', '/users/{id}', true, '204'],
  ['get', '/users/{id}/profile', true, '200'],
  ['post', '/posts', true, '201'],
  ['get', '/posts', false, '200'],
  ['get', '/posts/{id}', false, '200'],
  ['patch', '/posts/{id}', true, '200'],
  ['delete', '/posts/{id}', true, '204'],
] as const;

let stack: Stack;
let doc: Doc;

beforeAll(async () => {
  stack = await startStack();
  const response = await stack.api('GET', '/openapi.json');
  expect(response.status).toBe(200);
  doc = JSON.parse(response.text) as Doc;
});

afterAll(async () => {
  await stack?.close();
  expect(stack?.conformance.problems ?? []).toEqual([]);
});

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document (swagger-parser)', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.servers).toEqual([{ url: '/api/v1' }]);
  });

  it('documents exactly the SPEC routes, with their real success statuses', () => {
    // The JWKS route lives outside /api/v1 and is checked in jwks.test.ts.
    const documented = Object.entries(doc.paths)
      .filter(([path]) => path !== JWKS_PATH)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`));
    expect(documented.sort()).toEqual(SPEC_ROUTES.map(([method, path]) => `${method} ${path}`).sort());
    for (const [method, path, , success] of SPEC_ROUTES) {
      const responses = doc.paths[path]?.[method]?.responses ?? {};
      const successes = Object.keys(responses).filter((status) => status.startsWith('2'));
      expect(successes, `${method} ${path}`).toEqual([success]);
      if (success === '204') expect(responses['204']).toEqual({ description: 'No content' });
    }
  });

  it('documents the composed profile: the partial field, the optional x-basis-partial header and fail-closed 503', () => {
    const operation = doc.paths['/users/{id}/profile']?.get;
    const success = operation?.responses['200'];
    expect(success?.headers?.['x-basis-partial']).toMatchObject({ required: false, schema: { type: 'string' } });
    expect(JSON.stringify(doc.components.schemas.Profile)).toContain('"partial"');
    expect(operation?.responses['404']).toBeDefined();
    expect(operation?.responses['503']?.description).toMatch(/session/);
  });

  it('puts bearer security on protected routes and an explicit `security: []` on public ones', () => {
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    for (const [method, path, isProtected] of SPEC_ROUTES) {
      const operation = doc.paths[path]?.[method];
      if (isProtected) expect(operation?.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
      else expect(operation?.security, `${method} ${path}`).toEqual([]);
    }
  });

  it('documents every error through the one Error component, with upstream failures everywhere', () => {
    expect(Object.keys(doc.components.schemas).filter((name) => name.startsWith('error.'))).toEqual([]);
    expect(doc.components.schemas.Error).toBeDefined();
    for (const [method, path, isProtected] of SPEC_ROUTES) {
      const responses = doc.paths[path]?.[method]?.responses ?? {};
      const errors = Object.keys(responses).filter((status) => Number(status) >= 400);
      expect(errors, `${method} ${path}`).toEqual(expect.arrayContaining(['500', '502', '503', '504']));
      if (isProtected) expect(errors).toContain('401');
      for (const status of errors) {
        expect(responses[status]?.content?.['application/json']?.schema).toEqual({
          $ref: '#/components/schemas/Error',
        });
      }
      expect(responses['503']?.headers).toHaveProperty('Retry-After');
    }
    expect(doc.paths['/auth/access']?.post?.responses['429']?.headers).toHaveProperty('Retry-After');
    expect(doc.paths['/users/{id}']?.patch?.responses).toHaveProperty('403');
  });

  it('carries examples for request bodies and success responses', () => {
    expect(doc.paths['/auth/access']?.post?.requestBody?.content['application/json']?.example).toMatchObject({
      email: expect.any(String),
    });
    expect(doc.paths['/users']?.post?.responses['201']?.content?.['application/json']?.example).toMatchObject({
      id: expect.any(Number),
    });
    expect(doc.paths['/auth/access']?.post?.responses['200']?.content?.['application/json']?.example).toMatchObject({
      token_type: 'bearer',
    });
  });

  it('never documents an internal procedure or a password in a response schema', () => {
    const text = JSON.stringify(doc);
    for (const name of ['verifyCredentials', 'createSession', 'rotateSession', 'revokeSession', 'passwordHash']) {
      expect(text).not.toContain(name);
    }
    expect(JSON.stringify(doc.components.schemas.User)).not.toContain('password');
  });
});
