/**
 * Public surface of `@basis/users`: the router type only. Apps import it with `import type`,
 * never this service's runtime code.
 */
export type { UsersRouter } from './router.js';
