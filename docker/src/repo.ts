import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root (this workspace lives in `<root>/docker`). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Reads a file of the repository as UTF-8.
 * @param path path relative to the repository root
 * @throws when the file does not exist
 */
export function readRepoFile(path: string): string {
  return readFileSync(new URL(path, `file://${REPO_ROOT}`), 'utf8');
}
