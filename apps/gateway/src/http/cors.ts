import { REQUEST_ID_HEADER } from '@basis/contracts';
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/** Methods a browser may use cross-origin: every method of the REST API, and the preflight's own. */
export const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Request headers a browser may send cross-origin: the bearer token, the JSON body's type, a request id. */
export const CORS_ALLOWED_HEADERS = ['authorization', 'content-type', REQUEST_ID_HEADER] as const;

/** Response headers a browser script may read: the request id, and the error headers it must act on. */
export const CORS_EXPOSED_HEADERS = [REQUEST_ID_HEADER, 'retry-after', 'www-authenticate'] as const;

/**
 * CORS for the configured origins only (`CORS_ORIGINS`): preflights answer the methods and headers
 * the API uses, so a browser app can PATCH and DELETE with a bearer token.
 * @param app the Fastify instance
 * @param origins allowed origins, exactly as a browser sends them (`https://app.example`)
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol (Fetch standard, CORS protocol)
 */
export async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  await app.register(cors, {
    origin: [...origins],
    methods: [...CORS_METHODS],
    allowedHeaders: [...CORS_ALLOWED_HEADERS],
    exposedHeaders: [...CORS_EXPOSED_HEADERS],
  });
}
