/** Message of every CONFLICT raised for a taken email (the only unique column users can collide on). */
export const EMAIL_TAKEN = 'Email already registered';
/** Message of every NOT_FOUND raised for a missing user. */
export const USER_NOT_FOUND = 'User not found';
/** Message of the CONFLICT raised when a change would leave no active admin. */
export const LAST_ADMIN = 'Cannot demote, deactivate or delete the last active admin';
