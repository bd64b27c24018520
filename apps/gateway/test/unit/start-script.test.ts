import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const APP = new URL('../../', import.meta.url);
const DOTENV = fileURLToPath(new URL('scripts/dotenv.mjs', APP));
const PRINT = 'process.stdout.write([process.env.BASIS_PROBE_A, process.env.BASIS_PROBE_B].join(","))';

/** Runs plain node (no tsx) in `cwd` with the app's preload, as `npm start` does. */
function runWithPreload(cwd: string) {
  return spawnSync(process.execPath, ['--import', DOTENV, '-e', PRINT], {
    cwd,
    env: { ...process.env, BASIS_PROBE_A: undefined, BASIS_PROBE_B: 'from-environment' },
    encoding: 'utf8',
  });
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('npm run start -w apps/gateway with an apps/gateway/.env', () => {
  it('preloads scripts/dotenv.mjs with plain node, as npm run dev does under tsx', () => {
    const { scripts } = JSON.parse(readFileSync(new URL('package.json', APP), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(scripts.start).toBe('node --import ./scripts/dotenv.mjs dist/main.js');
    expect(scripts.dev).toContain('--import ./scripts/dotenv.mjs src/main.ts');
  });

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
