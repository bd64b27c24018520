import { createHash, createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { DEV_PRIVATE_KEYS } from './dev-keys.js';
import { hmacKey } from './hmac-key.js';

/** Algorithms access tokens may be signed with (`JWT_ALGORITHM`); one is pinned per key on verify. */
export const JWT_ALGORITHMS = ['HS256', 'ES256', 'RS256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** Smallest RSA modulus accepted for RS256, in bits. @see RFC 7518 §3.3 */
export const MIN_RSA_BITS = 2048;

/** A public key as published in the JWKS: RFC 7517 members plus `kid`, `alg` and `use: "sig"`. */
export interface PublicJwk {
  kty: 'EC' | 'RSA';
  kid: string;
  alg: Exclude<JwtAlgorithm, 'HS256'>;
  use: 'sig';
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

/** A key that verifies access tokens, with the one algorithm it accepts. */
export interface VerificationKey {
  kid: string;
  algorithm: JwtAlgorithm;
  key: KeyObject;
}

/** The gateway's access-token keys, made once at start by {@link loadSigningKeys}. */
export interface SigningKeys {
  /** The algorithm new tokens are signed with. */
  algorithm: JwtAlgorithm;
  /** The `kid` put in every new token's header. */
  kid: string;
  /** The HMAC secret (HS256) or the private key (ES256, RS256). */
  signingKey: KeyObject;
  /** Every key that verifies, by `kid`: the current one and the previous public keys. */
  verification: ReadonlyMap<string, VerificationKey>;
  /** The JSON Web Key Set of every public key in {@link verification} (none for a plain HS256 setup). */
  jwks: { keys: PublicJwk[] };
  /** True when the key in use is a development default (secret or dev-keys.ts). */
  isDevelopmentKey: boolean;
}

/** What {@link loadSigningKeys} reads: the access-token variables of the gateway's environment. */
export interface SigningKeyConfig {
  algorithm: JwtAlgorithm;
  /** `JWT_SECRET` (HS256 only). */
  secret: string;
  /** `JWT_PRIVATE_KEY`, PEM; unset means the development key of dev-keys.ts. */
  privateKeyPem?: string | undefined;
  /** `JWT_PREVIOUS_PUBLIC_KEYS`: PEM public keys, concatenated. */
  previousPublicKeysPem?: string | undefined;
}

/** A key variable that cannot be used; `variable` names it, `message` says why (no key material). */
export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/**
 * Splits a list of PEM blocks (`JWT_PREVIOUS_PUBLIC_KEYS`): blocks are concatenated, anything
 * but whitespace and commas between them is refused. A value written on one line with `\n`
 * escapes (as some secret stores keep it) is unescaped first.
 * @returns the blocks, in order; none for an empty value
 * @throws {SigningKeyError} naming `variable` when text other than PEM blocks remains
 */
export function splitPemList(value: string, variable: string): string[] {
  const text = unescapeNewlines(value);
  const blocks = [...text.matchAll(PEM_BLOCK)].map((match) => match[0]);
  if (text.replace(PEM_BLOCK, '').replace(/[\s,]/g, '') !== '')
    throw new SigningKeyError(variable, 'must be PEM blocks (-----BEGIN …----- … -----END …-----), one after another');
  return blocks;
}

function unescapeNewlines(value: string): string {
  return value.includes('\n') ? value : value.replaceAll('\\n', '\n');
}

const base64url = (bytes: Buffer): string => bytes.toString('base64url');

/**
 * The RFC 7638 JWK thumbprint: SHA-256 of the key's required members, in lexicographic order,
 * as base64url. Used as `kid`, so a key's id follows from the key alone on every replica.
 * @param jwk an EC (`crv`, `x`, `y`), RSA (`n`, `e`) or oct (`k`) key
 * @throws on another key type or a missing member
 * @see RFC 7638 §3.2
 */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const members: Record<string, string[]> = { EC: ['crv', 'kty', 'x', 'y'], RSA: ['e', 'kty', 'n'], oct: ['k', 'kty'] };
  const names = members[String(jwk.kty)];
  if (names === undefined) throw new Error(`no thumbprint for key type ${jwk.kty}`);
  const required = Object.fromEntries(
    names.map((name) => {
      const value = jwk[name];
      if (typeof value !== 'string') throw new Error(`JWK member ${name} is missing`);
      return [name, value];
    }),
  );
  return base64url(createHash('sha256').update(JSON.stringify(required)).digest());
}

/** The algorithm an asymmetric key can sign for, or why it cannot. */
function algorithmOf(key: KeyObject): Exclude<JwtAlgorithm, 'HS256'> | string {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'ec')
    return details?.namedCurve === 'prime256v1' ? 'ES256' : `an EC key on ${details?.namedCurve}, not P-256`;
  if (key.asymmetricKeyType === 'rsa')
    return (details?.modulusLength ?? 0) >= MIN_RSA_BITS
      ? 'RS256'
      : `an RSA key of ${details?.modulusLength} bits (at least ${MIN_RSA_BITS})`;
  return `a ${key.asymmetricKeyType} key`;
}

function publicJwk(publicKey: KeyObject, alg: Exclude<JwtAlgorithm, 'HS256'>): PublicJwk {
  const jwk = publicKey.export({ format: 'jwk' });
  const kid = jwkThumbprint(jwk);
  return alg === 'ES256'
    ? { kty: 'EC', crv: String(jwk.crv), x: String(jwk.x), y: String(jwk.y), kid, alg, use: 'sig' }
    : { kty: 'RSA', n: String(jwk.n), e: String(jwk.e), kid, alg, use: 'sig' };
}

/**
 * Makes the access-token keys from configuration, once at start: the signing key with its `kid`
 * (RFC 7638 thumbprint of the public key; of the secret's JWK for HS256), every verifying key
 * pinned to the one algorithm its type allows (an EC P-256 key only ES256, an RSA key only RS256,
 * the secret only HS256, so no token can switch algorithm), and the public JWKS.
 * @param config the parsed variables; `privateKeyPem` unset picks the development key
 * @returns the keys; see {@link SigningKeys}
 * @throws {SigningKeyError} naming `JWT_PRIVATE_KEY` (not a private key, or the wrong type for
 *   the algorithm) or `JWT_PREVIOUS_PUBLIC_KEYS` (not public keys, or of an unsupported type)
 * @see RFC 7517 (JWK Set), RFC 7518 §3 (ES256, RS256), RFC 8725 §3.1 (pin the algorithm)
 */
export function loadSigningKeys(config: SigningKeyConfig): SigningKeys {
  const verification = new Map<string, VerificationKey>();
  const keys: PublicJwk[] = [];
  const addPublic = (publicKey: KeyObject, alg: Exclude<JwtAlgorithm, 'HS256'>): string => {
    const jwk = publicJwk(publicKey, alg);
    if (!verification.has(jwk.kid)) {
      verification.set(jwk.kid, { kid: jwk.kid, algorithm: alg, key: publicKey });
      keys.push(jwk);
    }
    return jwk.kid;
  };

  let kid: string;
  let signingKey: KeyObject;
  let isDevelopmentKey: boolean;
  if (config.algorithm === 'HS256') {
    if (config.privateKeyPem !== undefined)
      throw new SigningKeyError('JWT_PRIVATE_KEY', 'is set, but JWT_ALGORITHM is HS256 (set it to ES256 or RS256)');
    signingKey = hmacKey(config.secret);
    kid = jwkThumbprint(signingKey.export({ format: 'jwk' }));
    verification.set(kid, { kid, algorithm: 'HS256', key: signingKey });
    isDevelopmentKey = false;
  } else {
    const pem = config.privateKeyPem === undefined ? undefined : unescapeNewlines(config.privateKeyPem);
    try {
      signingKey = createPrivateKey(pem ?? DEV_PRIVATE_KEYS[config.algorithm]);
    } catch {
      throw new SigningKeyError('JWT_PRIVATE_KEY', 'is not a PEM private key');
    }
    const alg = algorithmOf(signingKey);
    if (alg !== config.algorithm)
      throw new SigningKeyError('JWT_PRIVATE_KEY', `must be a key for ${config.algorithm}, not ${alg}`);
    kid = addPublic(createPublicKey(signingKey), config.algorithm);
    const devKid = jwkThumbprint(createPublicKey(DEV_PRIVATE_KEYS[config.algorithm]).export({ format: 'jwk' }));
    isDevelopmentKey = kid === devKid;
  }

  for (const block of splitPemList(config.previousPublicKeysPem ?? '', 'JWT_PREVIOUS_PUBLIC_KEYS')) {
    if (block.includes('PRIVATE KEY-----'))
      throw new SigningKeyError('JWT_PREVIOUS_PUBLIC_KEYS', 'must hold public keys only (openssl pkey -pubout)');
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey(block);
    } catch {
      throw new SigningKeyError('JWT_PREVIOUS_PUBLIC_KEYS', 'holds a block that is not a PEM public key');
    }
    const alg = algorithmOf(publicKey);
    if (alg !== 'ES256' && alg !== 'RS256')
      throw new SigningKeyError('JWT_PREVIOUS_PUBLIC_KEYS', `holds ${alg}: only ES256 and RS256 keys verify`);
    addPublic(publicKey, alg);
  }
  return { algorithm: config.algorithm, kid, signingKey, verification, jwks: { keys }, isDevelopmentKey };
}
