import type { FastifyInstance } from 'fastify';
import type { OpenAPIObject } from 'trpc-to-openapi';
import type { SigningKeys } from './signing-keys.js';

/** Where the gateway publishes its public keys. @see RFC 8615 (well-known URIs), RFC 7517 §5 */
export const JWKS_PATH = '/.well-known/jwks.json';

/** Seconds a verifier may cache the key set; a rotation waits at least this long between steps. */
export const JWKS_MAX_AGE_SECONDS = 300;

/** RFC 7517 §8.5 media type of a JWK Set. */
const JWK_SET_MEDIA_TYPE = 'application/jwk-set+json';

/**
 * Registers `GET /.well-known/jwks.json`: the public keys that verify access tokens (the current
 * ES256/RS256 key and those of `JWT_PREVIOUS_PUBLIC_KEYS`), each with `kid`, `alg` and
 * `use: "sig"`, never a private member nor the HS256 secret. With `JWT_ALGORITHM=HS256` (and no
 * previous public keys) the set is empty: `{"keys":[]}`, 200. Cacheable for
 * {@link JWKS_MAX_AGE_SECONDS}; the body is built once, at start.
 * @see RFC 7517 §5 (JWK Set format)
 */
export function registerJwks(app: FastifyInstance, keys: SigningKeys): void {
  const body = JSON.stringify(keys.jwks);
  app.get(JWKS_PATH, async (_request, reply) =>
    reply
      .header('content-type', JWK_SET_MEDIA_TYPE)
      .header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
      .send(body),
  );
}

const EXAMPLE_KEY = {
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
  kid: 'oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U',
  alg: 'ES256',
  use: 'sig',
};

/**
 * Adds the JWKS route to the OpenAPI document. It lives at the root, not under the REST base
 * path, so its path item carries its own `servers` entry (`/`).
 * @param doc the document from `buildOpenApiDocument`, changed in place
 * @returns the same document
 */
export function documentJwks(doc: OpenAPIObject): OpenAPIObject {
  doc.paths ??= {};
  doc.paths[JWKS_PATH] = {
    servers: [{ url: '/', description: 'The gateway root (outside /api/v1)' }],
    get: {
      operationId: 'jwks',
      tags: ['auth'],
      summary: 'Public keys that verify access tokens (JWKS)',
      description:
        'RFC 7517 JSON Web Key Set of every public key that verifies access tokens: the current key and those ' +
        'in `JWT_PREVIOUS_PUBLIC_KEYS`, each with `kid` (its RFC 7638 thumbprint, also in every token header), ' +
        '`alg` and `use: "sig"`. Empty (`{"keys":[]}`) when tokens are HS256. Cacheable for 5 minutes.',
      responses: {
        '200': {
          description: 'The key set',
          headers: {
            'Cache-Control': { description: '`public, max-age=300`', schema: { type: 'string' } },
          },
          content: {
            [JWK_SET_MEDIA_TYPE]: {
              schema: {
                type: 'object',
                required: ['keys'],
                properties: {
                  keys: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['kty', 'kid', 'alg', 'use'],
                      properties: {
                        kty: { type: 'string', enum: ['EC', 'RSA'] },
                        kid: { type: 'string' },
                        alg: { type: 'string', enum: ['ES256', 'RS256'] },
                        use: { type: 'string', const: 'sig' },
                        crv: { type: 'string', description: 'EC: the curve, P-256' },
                        x: { type: 'string', description: 'EC: x coordinate, base64url' },
                        y: { type: 'string', description: 'EC: y coordinate, base64url' },
                        n: { type: 'string', description: 'RSA: modulus, base64url' },
                        e: { type: 'string', description: 'RSA: exponent, base64url' },
                      },
                    },
                  },
                },
              },
              example: { keys: [EXAMPLE_KEY] },
            },
          },
        },
        '400': {
          description: 'Malformed request: several Authorization headers, or no Host header',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
      // Public: no credential (Redocly's `security-defined` wants it said).
      security: [],
    },
  };
  return doc;
}
