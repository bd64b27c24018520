import type { RestRoute } from '@basis/contracts';
import { IDEMPOTENCY_TTL_MS } from '../http/idempotency.js';
import { cacheControl } from './conditional.js';
import { CACHE_STATUS_HEADER } from './request.js';

interface Operation {
  description?: string;
  parameters?: unknown[];
  responses: Record<string, { description: string; headers?: Record<string, unknown>; content?: unknown }>;
}

const ERROR_REF = { $ref: '#/components/schemas/Error' };

const header = (description: string, required = true) => ({ description, required, schema: { type: 'string' } });

function errorAnswer(description: string, code: string) {
  return {
    description,
    content: {
      'application/json': {
        schema: ERROR_REF,
        example: { code, message: description, requestId: '5f0c3e6a-6f1b-4a53-9a43-5b6c0d7f8e21' },
      },
    },
  };
}

/** The sentence an operation's description gets about its cache policy or its invalidations. */
export function cachingSentence(rest: RestRoute): string | undefined {
  if (rest.cache) {
    const who =
      rest.cache.scope === 'public' ? 'one entry for every caller' : 'one entry per caller, after the session check';
    return `Cached by the gateway: \`Cache-Control: ${cacheControl(rest.cache)}\` (${who}; tags ${rest.cache.tags
      .map((tag) => `\`${tag}\``)
      .join(', ')}).`;
  }
  if (rest.invalidates?.length) {
    return `Invalidates the cached entries tagged ${rest.invalidates.map((tag) => `\`${tag}\``).join(', ')} on every gateway replica before answering.`;
  }
  return undefined;
}

/**
 * Documents caching, conditional requests and idempotency keys on one operation: the policy in the
 * description; on a GET, `ETag`, `Cache-Control` (and `Vary`, `x-cache` where they apply) on the 200
 * and the 304 answer to a matching `If-None-Match`; on a POST that honours it, the `Idempotency-Key`
 * header parameter, `Idempotent-Replayed` on the success and the 409 and 422 answers.
 * @param idempotent whether the route honours `Idempotency-Key` (POSTs but the token procedures)
 */
export function documentCaching(operation: Operation, rest: RestRoute, idempotent: boolean): void {
  const sentence = cachingSentence(rest);
  if (sentence) operation.description = operation.description ? `${operation.description} ${sentence}` : sentence;
  const success = operation.responses[String(rest.successStatus)];
  if (rest.method === 'GET' && rest.successStatus === 200 && success) {
    success.headers = {
      ...success.headers,
      ETag: header('Strong entity tag of this representation (RFC 9110 §8.8.3); send it back in `If-None-Match`'),
      'Cache-Control': header(
        rest.cache ? `\`${cacheControl(rest.cache)}\`` : '`no-store`: this route is never cached',
      ),
      ...(rest.cache?.scope === 'private' ? { Vary: header('`Authorization`: the answer is the caller’s own') } : {}),
      ...(rest.cache
        ? {
            [CACHE_STATUS_HEADER]: header(
              'How the gateway served it: `hit`, `miss` or `stale` (upstream failing)',
              false,
            ),
          }
        : {}),
    };
    operation.parameters = [
      ...(operation.parameters ?? []),
      {
        name: 'If-None-Match',
        in: 'header',
        required: false,
        description:
          'Entity tags (or `*`); when one matches the current representation the answer is 304 (RFC 9110 §13.1.2)',
        schema: { type: 'string' },
      },
    ];
    operation.responses['304'] = {
      description: 'Not modified: the `If-None-Match` tag is current; no body',
      headers: { ETag: header('The current entity tag') },
    };
  }
  if (idempotent && success) {
    const replayable = rest.successStatus !== 204;
    const hours = IDEMPOTENCY_TTL_MS / 3_600_000;
    operation.parameters = [
      ...(operation.parameters ?? []),
      {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: `Makes a retry safe: the first answer for this key, caller and body is replayed for ${hours} h (draft-ietf-httpapi-idempotency-key-header); 1..255 printable ASCII characters, optionally quoted`,
        schema: { type: 'string', maxLength: 257 },
      },
    ];
    if (replayable)
      success.headers = {
        ...success.headers,
        'Idempotent-Replayed': header(
          '`true` when this is the stored answer of an earlier request with the same key',
          false,
        ),
      };
    operation.responses['409'] ??= errorAnswer(
      'A request with this Idempotency-Key is still being processed',
      'CONFLICT',
    );
    operation.responses['422'] = errorAnswer(
      'This Idempotency-Key was used with another request body',
      'UNPROCESSABLE_CONTENT',
    );
  }
  operation.responses = Object.fromEntries(
    Object.entries(operation.responses).sort(([a], [b]) => Number(a) - Number(b)),
  );
}
