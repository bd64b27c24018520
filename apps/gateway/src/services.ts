import { postsContract, usersContract, usersInternalContract } from '@basis/contracts';
import { defineServices } from './upstream/service.js';

/**
 * THE list of services the gateway fronts, the only gateway source that names one. From each
 * entry the gateway derives the `<NAME>_SERVICE_URL` variable (env.ts, with `url` as its default),
 * the service's tRPC client with its own timeout, circuit breaker, keep-alive pool and service
 * credential audience (its name), its metrics label, its `/readyz` probe, and the republishing of
 * every contract entry that has a REST route under the contract's key (router.ts). A new service is
 * one line here: `name: { url: 'http://127.0.0.1:PORT', contracts: { name: nameContract } },`.
 */
export const services = defineServices({
  users: { url: 'http://127.0.0.1:8002', contracts: { users: usersContract, internal: usersInternalContract } },
  posts: { url: 'http://127.0.0.1:8003', contracts: { posts: postsContract } },
});
