import { createHash } from 'node:crypto';
import type { CachePolicy } from '@basis/contracts';

/**
 * A strong entity tag for a representation: `"` + SHA-1 of the exact bytes, base64url + `"`.
 * @param body the response body as sent
 * @see RFC 9110 §8.8.3
 */
export function strongEtag(body: string): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/** An entity-tag of a header list: `"x"`, `W/"x"`; nothing else is one (RFC 9110 §8.8.3: no `"` or control inside). */
const ENTITY_TAG = /^(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*"$/;

/**
 * Whether `If-None-Match` matches the current representation, so a GET answers 304: `*` matches any
 * current representation; otherwise any member of the comma-separated list that is a valid
 * entity-tag and weakly equals `etag` (`W/"x"` matches `"x"`). Members that are not entity-tags
 * (garbage) match nothing; a header of garbage only is as if absent.
 * @param header the request's `If-None-Match` value(s)
 * @param etag the current strong tag, e.g. `"abc"`
 * @see RFC 9110 §13.1.2 (weak comparison for If-None-Match), §8.8.3.2
 */
export function ifNoneMatchMatches(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return value
    .split(',')
    .map((member) => member.trim())
    .some((member) => ENTITY_TAG.test(member) && member.replace(/^W\//, '') === opaque);
}

/**
 * The `Cache-Control` of a successful answer: `public, max-age=N` or `private, max-age=N` for a
 * route with a policy, `no-store` for every other answer (errors and uncached routes included).
 * @see RFC 9111 §5.2.2
 */
export function cacheControl(policy: CachePolicy | undefined): string {
  if (!policy) return 'no-store';
  return `${policy.scope}, max-age=${policy.maxAgeSeconds}`;
}
