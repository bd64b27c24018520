import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataDirectoryError, ensureWritableDirectory } from '@basis/service-kit/db';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));

/** A temporary directory removed on dispose. */
async function temporaryDirectory(): Promise<AsyncDisposable & { path: string }> {
  const path = await mkdtemp(join(tmpdir(), 'basis-data-dir-'));
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}

/** Runs `src/main.ts` under tsx with `env` on top of a minimal environment; resolves when it exits. */
function runUsers(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: APP_DIR,
      env: { PATH: process.env.PATH, NODE_ENV: 'test', LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

/**
 * Tester report: `PGLITE_DATA_DIR=/proc/nope` made the users service hang at start with no output.
 * Node 20's `mkdir(…, { recursive: true })` loops forever when the kernel answers ENOENT for a
 * directory whose parent exists; the directory is now created level by level and checked.
 */
describe('PGLITE_DATA_DIR=/proc/nope (tester report)', () => {
  it.skipIf(!existsSync('/proc/self'))('refuses /proc/nope with an error naming it and the cause', async () => {
    const opening = openDatabase({ pgliteDataDir: '/proc/nope' });
    await expect(opening).rejects.toBeInstanceOf(DataDirectoryError);
    await expect(opening).rejects.toThrow('PGLITE_DATA_DIR /proc/nope is not a usable directory: cannot create');
  });

  it.skipIf(!existsSync('/proc/self'))('makes the service exit 1 with one line saying why', async () => {
    const { code, stderr } = await runUsers({ PGLITE_DATA_DIR: '/proc/nope' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/users service failed to start: PGLITE_DATA_DIR \/proc\/nope is not a usable directory/);
  });

  it('refuses a path that is, or runs through, a regular file', async () => {
    await using dir = await temporaryDirectory();
    const file = join(dir.path, 'file');
    await writeFile(file, 'not a directory');
    await expect(ensureWritableDirectory(file)).rejects.toThrow(`${file} is not a directory`);
    await expect(ensureWritableDirectory(join(file, 'below'))).rejects.toBeInstanceOf(DataDirectoryError);
  });

  it('creates missing parents, and accepts a directory that already exists', async () => {
    await using dir = await temporaryDirectory();
    const nested = join(dir.path, 'a', 'b', 'c');
    await ensureWritableDirectory(nested);
    expect((await stat(nested)).isDirectory()).toBe(true);
    await expect(ensureWritableDirectory(nested)).resolves.toBeUndefined();
  });
});
