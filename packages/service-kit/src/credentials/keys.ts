import { createECDH, createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/** The variable holding a service's (or the gateway's) own ES256 private key, PEM. */
export const PRIVATE_KEY_VARIABLE = 'SERVICE_PRIVATE_KEY';

/**
 * The variable holding the public key of a caller a service trusts: `posts` → `POSTS_SERVICE_PUBLIC_KEY`.
 * One variable per caller, so the identity a key verifies is fixed by its name (no map to parse, and a
 * Kubernetes Secret maps each key file to its own variable).
 * @param caller the caller's identity (`gateway`, `posts`, …)
 */
export function publicKeyVariable(caller: string): string {
  return `${caller.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_SERVICE_PUBLIC_KEY`;
}

/** What one identity signs and verifies service credentials with, made once at start. */
export interface ServiceCredentials {
  /** Who this process is: the `iss` of every credential it mints (`gateway`, `users`, `posts`). */
  identity: string;
  /** Its own ES256 (P-256) private key. */
  privateKey: KeyObject;
  /** The public key of each caller it accepts credentials from, by identity. */
  callerKeys: ReadonlyMap<string, KeyObject>;
}

/** A key variable that cannot be used: `variable` names it, `message` says why. */
export class CredentialKeyError extends Error {
  override readonly name = 'CredentialKeyError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

const developmentKeys = new Map<string, KeyObject>();

/**
 * The fixed development private key of an identity: a P-256 scalar derived from its name (SHA-256 of
 * `basis-development-service-key:<identity>`), so every process of the repository, and any new service,
 * agrees on it with no setup. Public by construction, hence refused with `NODE_ENV=production`.
 * @param identity `gateway`, `users`, `posts`, …
 * @returns the private KeyObject (cached)
 */
export function developmentPrivateKey(identity: string): KeyObject {
  const cached = developmentKeys.get(identity);
  if (cached) return cached;
  const d = createHash('sha256').update(`basis-development-service-key:${identity}`).digest();
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey();
  const key = createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: d.toString('base64url'),
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
  developmentKeys.set(identity, key);
  return key;
}

/** The development public key of an identity (see {@link developmentPrivateKey}). */
export function developmentPublicKey(identity: string): KeyObject {
  return createPublicKey(developmentPrivateKey(identity));
}

/** A `.env` file may hold a PEM on one line with `\n` for each line break. */
function pemOf(value: string): string {
  return value.replace(/\\n/g, '\n').trim();
}

function requireP256(key: KeyObject, variable: string): KeyObject {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new CredentialKeyError(variable, 'must be an EC P-256 key (ES256)');
  return key;
}

function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  const der = (key: KeyObject) => key.export({ type: 'spki', format: 'der' });
  return der(a).equals(der(b));
}

/**
 * Makes the KeyObjects of one identity from its configuration: its own private key and the public key
 * of each caller it trusts. Unset outside production: the development key of that identity, with a
 * warning. With `production`, a missing key or a development key is refused.
 * @param options.identity this process's identity
 * @param options.production `NODE_ENV === 'production'`
 * @param options.privateKey `SERVICE_PRIVATE_KEY` (PEM, PKCS#8 or SEC1), or `undefined`
 * @param options.callerKeys caller identity → `<CALLER>_SERVICE_PUBLIC_KEY` (PEM SPKI), or `undefined`
 * @returns the credentials and the warnings to log at start
 * @throws CredentialKeyError naming the variable that is missing, unparsable, not P-256 or a development key
 */
export function loadServiceCredentials(options: {
  identity: string;
  production: boolean;
  privateKey: string | undefined;
  callerKeys: Record<string, string | undefined>;
}): { credentials: ServiceCredentials; warnings: string[] } {
  const { identity, production } = options;
  const warnings: string[] = [];
  const development = (variable: string) => {
    if (production) throw new CredentialKeyError(variable, 'required when NODE_ENV=production');
    warnings.push(`${variable} is not set: using the fixed development key (refused when NODE_ENV=production)`);
  };
  let privateKey: KeyObject;
  if (options.privateKey === undefined) {
    development(PRIVATE_KEY_VARIABLE);
    privateKey = developmentPrivateKey(identity);
  } else {
    try {
      privateKey = createPrivateKey(pemOf(options.privateKey));
    } catch {
      throw new CredentialKeyError(PRIVATE_KEY_VARIABLE, 'is not a PEM private key');
    }
    requireP256(privateKey, PRIVATE_KEY_VARIABLE);
    if (production && samePublicKey(createPublicKey(privateKey), developmentPublicKey(identity)))
      throw new CredentialKeyError(PRIVATE_KEY_VARIABLE, 'the development key cannot be used in production');
  }
  const callerKeys = new Map<string, KeyObject>();
  for (const [caller, pem] of Object.entries(options.callerKeys)) {
    const variable = publicKeyVariable(caller);
    if (pem === undefined) {
      development(variable);
      callerKeys.set(caller, developmentPublicKey(caller));
      continue;
    }
    let key: KeyObject;
    try {
      key = createPublicKey(pemOf(pem));
    } catch {
      throw new CredentialKeyError(variable, 'is not a PEM public key');
    }
    requireP256(key, variable);
    if (production && samePublicKey(key, developmentPublicKey(caller)))
      throw new CredentialKeyError(variable, 'the development key cannot be used in production');
    callerKeys.set(caller, key);
  }
  return { credentials: { identity, privateKey, callerKeys }, warnings };
}
