/**
 * `@basis/service-kit/logging`: pino options with redaction and the driver-safe error serializers,
 * and the one-line request log. Light (Fastify types only): the gateway may use it too.
 */
export { LOG_SERIALIZERS, loggerOptions, REDACT_PATHS, registerRequestLog } from './logger.js';
export { type SerializedError, serializeError, serializeMaybeError } from './serializers.js';
