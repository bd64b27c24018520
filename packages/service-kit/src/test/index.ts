/**
 * `@basis/service-kit/test`: the test kit every service's suite uses. Imports vitest and
 * `@trpc/client` (peer dependencies): for test files only.
 */
export { type ErrorData, expectTRPCError } from './assertions.js';
export {
  createTemporaryDatabase,
  type OpenDatabase,
  TEST_DATABASE_URL,
  type TestDatabase,
  type TestDriver,
  testDrivers,
} from './databases.js';
export { type Scrape, scrapeMetrics } from './metrics.js';
export { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from './otlp-receiver.js';
export { freePort, randomLoopbackHost } from './ports.js';
export { type SpawnedService, type SpawnOptions, spawnService } from './spawn.js';
export { type DriverSuite, useServerOn } from './suite.js';
export { mintServiceToken, type TokenActor, type TokenOverrides } from './tokens.js';
