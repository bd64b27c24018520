import type { ContractRecord } from '@basis/contracts';
import type { PostProcessStep } from '../routers/post-process.js';

/** One upstream service as the gateway knows it: where it is by default and what it serves. */
export interface ServiceDeclaration {
  /** Default origin, used when `<NAME>_SERVICE_URL` is unset (e.g. `http://127.0.0.1:8003`). */
  url: string;
  /**
   * The contracts the service serves, keyed by its router key (`posts: postsContract` means the
   * service answers `posts.<procedure>`). Every entry with a REST route is republished under the
   * same key; entries without one are callable by the gateway only.
   */
  contracts: Record<string, ContractRecord>;
  /** Per-call timeout in milliseconds; `UPSTREAM_TIMEOUT_MS` when unset. */
  timeoutMs?: number;
  /**
   * Post-processing steps per republished route, keyed `<router key>.<procedure>` (e.g.
   * `posts.byId`); they run after output parsing, in order (routers/post-process.ts).
   */
  postProcess?: Record<string, readonly PostProcessStep[]>;
}

/** Every service the gateway fronts, keyed by name (lower case: `users`, `posts`). */
export type ServiceMap = Record<string, ServiceDeclaration>;

/**
 * Identity helper that checks a service map while keeping its exact types (the router type
 * derives the published namespaces from it).
 * @example defineServices({ posts: { url: 'http://127.0.0.1:8003', contracts: { posts: postsContract } } })
 */
export function defineServices<const S extends ServiceMap>(services: S): S {
  return services;
}

/**
 * The environment variable holding a service's origin: `posts` → `POSTS_SERVICE_URL`
 * (non-alphanumerics become `_`).
 */
export function serviceUrlVariable(name: string): string {
  return `${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_SERVICE_URL`;
}
