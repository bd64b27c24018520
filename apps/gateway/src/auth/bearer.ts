/** The result of reading an `Authorization` header: a token, or why there is none. */
export type BearerCredentials = { kind: 'token'; token: string } | { kind: 'missing' } | { kind: 'malformed' };

// RFC 6750 §2.1 b64token; the scheme name is case-insensitive (RFC 7235 §2.1).
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Reads the bearer token from an `Authorization` header value.
 * @param header the raw header value, if any
 * @returns `token` for `Bearer <b64token>` (scheme in any letter case), `missing` when no
 *   header was sent, `malformed` for anything else (another scheme, no token, bad characters)
 * @see RFC 6750 §2.1
 */
export function readBearer(header: string | string[] | undefined): BearerCredentials {
  if (header === undefined || header === '') return { kind: 'missing' };
  if (Array.isArray(header)) return { kind: 'malformed' };
  const match = BEARER.exec(header);
  return match?.[1] ? { kind: 'token', token: match[1] } : { kind: 'malformed' };
}

/**
 * The `WWW-Authenticate` challenge for a 401: plain `Bearer` when the request carried no
 * credentials, `Bearer error="invalid_token"` when it carried a bad one.
 * @see RFC 6750 §3 and §3.1
 */
export function bearerChallenge(credentialsSent: boolean): string {
  return credentialsSent ? 'Bearer error="invalid_token"' : 'Bearer';
}
