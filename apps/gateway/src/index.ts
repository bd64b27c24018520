/**
 * Public surface of `@basis/gateway`: the router type only, for typed tRPC clients
 * (`import type { GatewayRouter } from '@basis/gateway'`). Never the gateway's runtime code.
 */
export type { GatewayRouter } from './router.js';
