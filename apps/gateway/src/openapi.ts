import { ErrorEnvelope } from '@basis/contracts';
import type { AnyTRPCRouter } from '@trpc/server';
import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import { documentCaching } from './cache/openapi.js';
import { STATUS_OF_CODE } from './http/error-envelope.js';
import { tokenProcedures } from './rest/routes.js';
import { type PublishedRoute, publishedRoutes } from './routers/published-routes.js';

/** Base path of the REST API. */
export const REST_BASE_PATH = '/api/v1';

/** The document's `info.license`: Basis is not published under an open licence. */
const API_LICENSE = { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' };

/** Name of the bearer security scheme in the document. */
export const BEARER_SCHEME = 'bearerAuth';

const ERROR_REF = { $ref: '#/components/schemas/Error' };

/** Errors every republished route can give besides its contract's, with their descriptions. */
const SHARED_ERRORS = {
  bodyParse: [400, 'Malformed JSON or invalid body'],
  payloadTooLarge: [413, 'Body larger than 1 MiB'],
  mediaType: [415, 'Content-type is not application/json, or the body is compressed (Content-Encoding)'],
  unauthenticated: [401, 'Missing or invalid access token'],
  internal: [500, 'Internal server error'],
  badGateway: [502, 'The upstream service gave an invalid response'],
  unavailable: [503, 'The upstream service is unreachable, or its circuit breaker is open'],
  unavailableProtected: [
    503,
    'The upstream service is unreachable, or its circuit breaker is open; or the users service cannot confirm the session (checks fail closed)',
  ],
  timeout: [504, 'The upstream service did not answer in time'],
} as const satisfies Record<string, readonly [number, string]>;

interface MediaType {
  schema?: Record<string, unknown>;
  example?: unknown;
}
interface Response {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, MediaType>;
}
interface Operation {
  description?: string;
  parameters?: unknown[];
  security?: unknown;
  requestBody?: { content?: Record<string, MediaType> };
  responses: Record<string, Response>;
}

const CODE_OF_STATUS = new Map(
  Object.entries(STATUS_OF_CODE)
    .filter(([code]) => code !== 'PARSE_ERROR')
    .map(([code, status]) => [status, code]),
);

function errorResponse(status: number, description: string): Response {
  const headers: Record<string, unknown> = {};
  if (status === 401) {
    headers['WWW-Authenticate'] = {
      description: '`Bearer`, or `Bearer error="invalid_token"` when a token was sent (RFC 6750 §3)',
      schema: { type: 'string' },
    };
  }
  if (status === 429 || status === 503) {
    headers['Retry-After'] = { description: 'Seconds to wait before retrying', schema: { type: 'integer' } };
  }
  return {
    description,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    content: {
      'application/json': {
        schema: ERROR_REF,
        example: {
          code: CODE_OF_STATUS.get(status) ?? 'BAD_REQUEST',
          message: description,
          requestId: '5f0c3e6a-6f1b-4a53-9a43-5b6c0d7f8e21',
        },
      },
    },
  };
}

/**
 * Every error status a route can answer with, and why: its contract's own errors, plus those
 * the gateway adds (body errors on routes with a body, 401 on protected routes, 500, and the
 * upstream failures 502/503/504, since every republished route calls an upstream).
 */
export function errorStatuses(route: PublishedRoute): Map<number, string> {
  const statuses = new Map<number, string>();
  const add = ([status, description]: readonly [number, string]) => {
    if (!statuses.has(status)) statuses.set(status, description);
  };
  for (const [status, description] of Object.entries(route.rest.errors)) add([Number(status), description]);
  if (route.rest.method !== 'GET' && route.rest.method !== 'DELETE') {
    add(SHARED_ERRORS.bodyParse);
    add(SHARED_ERRORS.payloadTooLarge);
    add(SHARED_ERRORS.mediaType);
  }
  if (route.protect) add(SHARED_ERRORS.unauthenticated);
  add(SHARED_ERRORS.internal);
  add(SHARED_ERRORS.badGateway);
  add(route.protect ? SHARED_ERRORS.unavailableProtected : SHARED_ERRORS.unavailable);
  add(SHARED_ERRORS.timeout);
  return new Map([...statuses].sort(([a], [b]) => a - b));
}

/** The first `examples` entry of a schema, following one `$ref` into the components. */
function firstExample(doc: OpenAPIObject, schema: Record<string, unknown> | undefined): unknown {
  if (!schema) return undefined;
  const ref = schema.$ref;
  const resolved =
    typeof ref === 'string' && ref.startsWith('#/components/schemas/')
      ? (doc.components?.schemas?.[ref.slice('#/components/schemas/'.length)] as Record<string, unknown> | undefined)
      : schema;
  const examples = resolved?.examples;
  return Array.isArray(examples) ? examples[0] : undefined;
}

function withExample(doc: OpenAPIObject, media: MediaType | undefined): void {
  if (!media || media.example !== undefined) return;
  const example = firstExample(doc, media.schema);
  if (example !== undefined) media.example = example;
}

/**
 * Rewrites one generated operation to tell the truth: the contract's success status
 * (201; 204 with no content), exactly the errors the route can give, each referencing the one
 * `Error` component, bearer security on protected routes and `security: []` on public ones, and examples.
 */
function postProcessOperation(
  doc: OpenAPIObject,
  operation: Operation,
  route: PublishedRoute,
  tokenPaths: ReadonlySet<string>,
): void {
  const success = operation.responses['200'];
  const responses: Record<string, Response> = {};
  if (route.rest.successStatus === 204) {
    responses['204'] = { description: 'No content' };
  } else if (success) {
    withExample(doc, success.content?.['application/json']);
    if (route.rest.headers) {
      success.headers = Object.fromEntries(
        Object.entries(route.rest.headers).map(([name, description]) => [
          name,
          { description, required: false, schema: { type: 'string' } },
        ]),
      );
    }
    responses[String(route.rest.successStatus)] = success;
  }
  for (const [status, description] of errorStatuses(route))
    responses[String(status)] = errorResponse(status, description);
  operation.responses = responses;
  // Caching, conditional requests and idempotency keys (cache/openapi.ts).
  documentCaching(operation, route.rest, route.rest.method === 'POST' && !tokenPaths.has(route.procedure));
  // A public route says so (`security: []`), as Redocly's `security-defined` rule asks.
  operation.security = route.protect ? [{ [BEARER_SCHEME]: [] }] : [];
  withExample(doc, operation.requestBody?.content?.['application/json']);
}

/**
 * Builds the OpenAPI 3.1 document of the REST API from the gateway router with trpc-to-openapi,
 * then post-processes it (see {@link postProcessOperation}). The adapter's own per-code error
 * components are replaced by the one `Error` schema (`ErrorEnvelope`).
 * @param appRouter the gateway router (any router whose procedures carry contract metadata)
 * @param version the API version shown in `info.version`
 * @returns a plain JSON-serialisable document, served at `GET /openapi.json`
 */
export function buildOpenApiDocument(appRouter: AnyTRPCRouter, version: string): OpenAPIObject {
  const doc = generateOpenApiDocument(appRouter, {
    title: 'Basis API',
    description:
      'The public REST API of Basis. Errors are JSON `{ code, message, issues?, requestId }` where `code` is the tRPC code name.',
    version,
    baseUrl: REST_BASE_PATH,
    securitySchemes: {
      [BEARER_SCHEME]: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'Access token from `POST /auth/access` or `POST /auth/refresh`',
      },
    },
    defs: { Error: ErrorEnvelope },
  });
  const tokenPaths = tokenProcedures(appRouter);
  for (const route of publishedRoutes(appRouter)) {
    const pathItem = doc.paths?.[route.rest.path] as Record<string, Operation> | undefined;
    const operation = pathItem?.[route.rest.method.toLowerCase()];
    if (operation) postProcessOperation(doc, operation, route, tokenPaths);
  }
  doc.info.license = API_LICENSE;
  const schemas = doc.components?.schemas;
  if (schemas) for (const name of Object.keys(schemas)) if (name.startsWith('error.')) delete schemas[name];
  return doc;
}
