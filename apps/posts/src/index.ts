/**
 * Public surface of `@basis/posts`: the router type only. Apps import it with `import type`,
 * never this service's runtime code.
 */
export type { PostsRouter } from './router.js';
