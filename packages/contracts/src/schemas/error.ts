import { z } from 'zod';

/**
 * tRPC error code names used in every error body's `code`.
 * @see https://trpc.io/docs/server/error-handling#error-codes
 */
export const ErrorCode = z.enum([
  'PARSE_ERROR',
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_SUPPORTED',
  'TIMEOUT',
  'CONFLICT',
  'PRECONDITION_FAILED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNPROCESSABLE_CONTENT',
  'TOO_MANY_REQUESTS',
  'CLIENT_CLOSED_REQUEST',
  'INTERNAL_SERVER_ERROR',
  'NOT_IMPLEMENTED',
  'BAD_GATEWAY',
  'SERVICE_UNAVAILABLE',
  'GATEWAY_TIMEOUT',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The one error body of the public API: `{ code, message, issues?, requestId }`. */
export const ErrorEnvelope = z
  .object({
    code: ErrorCode,
    message: z.string(),
    issues: z
      .array(
        z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string(), code: z.string() }).loose(),
      )
      .optional()
      .meta({ description: 'zod issues, on 400 for invalid input' }),
    requestId: z.string().optional(),
  })
  .meta({
    id: 'Error',
    examples: [{ code: 'NOT_FOUND', message: 'User not found', requestId: '5f0c3e6a-6f1b-4a53-9a43-5b6c0d7f8e21' }],
  });
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;
