import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, readRepoFile } from './repo.js';

const PRELOAD = join(REPO_ROOT, 'scripts/load-dotenv.mjs');
const PRINT = 'process.stdout.write([process.env.BASIS_PROBE_A, process.env.BASIS_PROBE_B].join(","))';

/** Runs plain node (no tsx) in `cwd` with the preload, as each app's `npm start` does. */
function runWithPreload(cwd: string) {
  return spawnSync(process.execPath, ['--import', PRELOAD, '-e', PRINT], {
    cwd,
    env: { ...process.env, BASIS_PROBE_A: undefined, BASIS_PROBE_B: 'from-environment' },
    encoding: 'utf8',
  });
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe.each(['users', 'posts', 'gateway'])('npm run dev and npm start of apps/%s', (app) => {
  it('preload scripts/load-dotenv.mjs, with tsx and with plain node alike', () => {
    const { scripts } = JSON.parse(readRepoFile(`apps/${app}/package.json`)) as { scripts: Record<string, string> };
    expect(scripts.start).toBe('node --import ../../scripts/load-dotenv.mjs dist/main.js');
    expect(scripts.dev).toContain('--import ../../scripts/load-dotenv.mjs src/main.ts');
  });
});

describe('scripts/load-dotenv.mjs', () => {
  it('loads .env from the working directory, and the environment wins over it', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'basis-dotenv-'));
    dirs.push(cwd);
    writeFileSync(join(cwd, '.env'), 'BASIS_PROBE_A=from-file\nBASIS_PROBE_B=from-file\n');
    const run = runWithPreload(cwd);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('from-file,from-environment');
  });

  it('starts quietly without a .env', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'basis-dotenv-'));
    dirs.push(cwd);
    const run = runWithPreload(cwd);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(',from-environment');
  });
});
