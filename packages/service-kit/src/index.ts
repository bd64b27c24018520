/**
 * `@basis/service-kit`: what every Basis service is built from. The root entry has no database
 * driver; see `/db` (drizzle, PGlite, postgres.js), `/env` (zod only), `/logging`, `/tracing`
 * (OpenTelemetry, its SDK loaded only when on) and `/test`.
 */

export {
  credentialOf,
  INVALID_SERVICE_TOKEN,
  requireServiceCredential,
  type ServiceMeta,
} from './auth/credential-hook.js';
export {
  ALREADY_EXISTS,
  DATABASE_UNAVAILABLE,
  type ErrorMessages,
  INTERNAL_ERROR_MESSAGE,
  INVALID_VALUE,
  isConnectionError,
  isDataException,
  isUniqueViolation,
  rootCause,
  toTRPCError,
} from './errors.js';
export {
  DRAINING_RETRY_AFTER_SECONDS,
  isDraining,
  READINESS_TIMEOUT_MS,
  registerHealthRoutes,
  setDraining,
} from './http/health.js';
export {
  type DatabaseFacts,
  metricsRegistryOf,
  registerServiceMetrics,
  SERVICE_METRICS_PREFIX,
} from './http/metrics.js';
export { registerRequestIdHeader, requestIdOf, VALID_REQUEST_ID } from './http/request-id.js';
export { buildServiceServer, type ServiceServerOptions, TRPC_PREFIX } from './server.js';
export {
  CLOSE_TIMEOUT_MS,
  closeGracefully,
  type GracefulClose,
  REPEATED_SIGNAL_MS,
  runService,
  type StartedService,
} from './shutdown.js';
export {
  type Implemented,
  initService,
  inputParser,
  outputParser,
  type Resolver,
  type ResolverContext,
  type ServiceContext,
  type ServiceOptions,
  type WireIssue,
} from './trpc.js';
