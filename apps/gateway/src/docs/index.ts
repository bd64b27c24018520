import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { OpenAPIV3 } from 'openapi-types';
import type { OpenAPIObject } from 'trpc-to-openapi';
import { DOCS_CSP } from './csp.js';
import { registerRedoc } from './redoc.js';

/**
 * Serves the API documentation from local npm assets only (no CDN):
 * - `GET /docs`: Swagger UI (@fastify/swagger-ui over @fastify/swagger in static mode), with
 *   "Authorize" for a bearer token and "Try it out" against this gateway;
 * - `GET /redoc`: Redoc 2.5's standalone bundle.
 * Both read the same generated document, which `/openapi.json` serves too.
 * @param app the Fastify instance (register before `listen`)
 * @param document the OpenAPI 3.1 document generated from the gateway router
 */
export async function registerDocs(app: FastifyInstance, document: OpenAPIObject): Promise<void> {
  await app.register(fastifySwagger, {
    mode: 'static',
    // @fastify/swagger types the document as OpenAPI 3.0 (openapi-types); it serves the 3.1 object as is.
    specification: { document: document as unknown as OpenAPIV3.Document },
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    staticCSP: DOCS_CSP,
    uiConfig: {
      deepLinking: true,
      persistAuthorization: true,
      tryItOutEnabled: true,
      displayRequestDuration: true,
      validatorUrl: null,
    },
  });
  await registerRedoc(app, { title: `${document.info.title} — reference`, specUrl: '/openapi.json' });
}
