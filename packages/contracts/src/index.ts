export { type AuthorizationResult, authorize } from './authorization.js';
export {
  type AuthLevel,
  type CachePolicy,
  type CompositionPart,
  type ContractRecord,
  defineContract,
  type ErrorResponses,
  fillTag,
  type HttpMethod,
  type ProcedureContract,
  part,
  type RestRoute,
} from './contract.js';
export { type AuthContract, authContract } from './procedures/auth.js';
export { type PostsContract, postsContract } from './procedures/posts.js';
export {
  PARTIAL_HEADER,
  PROFILE_POSTS,
  Profile,
  type ProfilesContract,
  profilesContract,
} from './procedures/profiles.js';
export {
  MAX_USER_EVENTS_PAGE,
  UserEvent,
  type UsersEventsContract,
  usersEventsContract,
} from './procedures/user-events.js';
export { type UsersContract, usersContract } from './procedures/users.js';
export { type UsersInternalContract, usersInternalContract } from './procedures/users-internal.js';
export * from './schemas/auth.js';
export * from './schemas/error.js';
export * from './schemas/post.js';
export * from './schemas/user.js';
export {
  CALLER_NOT_ALLOWED,
  DEFAULT_CALLERS,
  REQUEST_ID_HEADER,
  SERVICE_TOKEN,
  SERVICE_TOKEN_REJECTED,
  ServiceTokenActorClaims,
  USERS_SERVICE_AUDIENCE,
} from './service-token.js';
