import { type Implemented, initService, type ResolverContext, type ServiceContext } from '@basis/service-kit';
import type { PostsRepository } from './repositories/posts.js';

/** What each request brings: the kit's context (claimed actor, request id, logger) and the data access. */
export interface RequestContext extends ServiceContext {
  posts: PostsRepository;
}

/** What every resolver gets: the request context plus the acting user (`null` in public procedures). */
export type Context = ResolverContext<RequestContext>;

export type { Implemented };

/**
 * tRPC for posts. The actor is the one the service credential names: posts has no sessions of its own,
 * so the gateway checks the access token and its session before it mints the credential.
 */
const service = initService<RequestContext>();

/** Builds a router from an object of procedures. */
export const router = service.router;

/** Implements one procedure contract with the kit's `implement` (schemas, auth level, error table). */
export const implement = service.implement;
