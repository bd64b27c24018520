/** The result of reading an `Authorization` header: a token, or why there is none. */
export type BearerCredentials = { kind: 'token'; token: string } | { kind: 'missing' } | { kind: 'malformed' };

/** The auth-scheme of an `Authorization` value: the text before the first space (RFC 9110 §11.4). */
const SCHEME = /^[^ ]*/;

// RFC 6750 §2.1 b64token; the scheme name is case-insensitive (RFC 7235 §2.1).
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Reads the bearer token from an `Authorization` header value.
 * @param header the raw header value, if any
 * @returns `token` for `Bearer <b64token>` (scheme in any letter case); `missing` when no bearer
 *   credentials were sent: no header, or another scheme (`Basic …`: the client did not know the API
 *   wants a bearer token, so it is answered as a request without credentials); `malformed` for a
 *   `Bearer` value without a token or with bad characters
 * @see RFC 6750 §2.1 and §3.1 (no error code for a request using another authentication method)
 */
export function readBearer(header: string | string[] | undefined): BearerCredentials {
  if (header === undefined || header === '') return { kind: 'missing' };
  if (Array.isArray(header)) return { kind: 'malformed' };
  if (SCHEME.exec(header)?.[0].toLowerCase() !== 'bearer') return { kind: 'missing' };
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
