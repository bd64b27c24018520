/** Message of every NOT_FOUND raised for a missing post. */
export const POST_NOT_FOUND = 'Post not found';
/** Message of the FORBIDDEN raised when the caller is neither the post's author nor an admin. */
export const NOT_AUTHOR = 'Only the author or an admin may change this post';
