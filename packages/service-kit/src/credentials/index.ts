/**
 * `@basis/service-kit/credentials`: service credentials (SPEC: Internal trust) — the keys of one
 * identity, minting and verifying. Only jsonwebtoken and node:crypto: the gateway imports it too.
 */
export {
  CredentialKeyError,
  developmentPrivateKey,
  developmentPublicKey,
  loadServiceCredentials,
  PRIVATE_KEY_VARIABLE,
  publicKeyVariable,
  type ServiceCredentials,
} from './keys.js';
export {
  CREDENTIAL_TTL_SECONDS,
  type CredentialMinter,
  createCredentialMinter,
  MINT_CACHE_SIZE,
  REUSE_MARGIN_SECONDS,
} from './mint.js';
export {
  CLOCK_TOLERANCE_SECONDS,
  type CredentialVerifier,
  createCredentialVerifier,
  ServiceTokenError,
  VERIFY_CACHE_SIZE,
  type VerifiedCredential,
} from './verify.js';
