import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnService } from '@basis/service-kit/test';
import { afterAll, describe, expect, it } from 'vitest';
import { appNames, assembleRuntime, productionPackages, pruneApp } from './image.js';

/**
 * What each image installs, without a Docker engine: the prune and prod-deps stages of docker/Dockerfile
 * run here. The package lists come from npm's dry run of the prod-deps install (2–6 s an app with the
 * prune, on every run). The full simulation (the real production install per app, its node_modules size,
 * and the built app started on exactly that install) takes about 30 s an app on a loaded 2-core machine
 * even with npm's cache warm, and only changes when dependencies or the Dockerfile do, so it runs on
 * demand: IMAGE_SIMULATION=1, i.e. `npm run images -w docker`.
 */

const FULL = process.env.IMAGE_SIMULATION === '1';
const scratch = mkdtempSync(join(tmpdir(), 'basis-image-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }), 120_000);
if (!FULL)
  console.info(
    'image simulation skipped: IMAGE_SIMULATION=1 (npm run images -w docker) installs and starts each image',
  );

/** Build and test tools: none belongs in an image. */
const DEV_TOOLS = [
  'typescript',
  'tsx',
  'vitest',
  'vite',
  'esbuild',
  'turbo',
  'drizzle-kit',
  '@biomejs/biome',
  'pino-pretty',
  'playwright-core',
  '@redocly/cli',
  'plop',
];
/** The database drivers of `@basis/service-kit/db` and users' password hashing: services' packages only. */
const DATABASE = ['@electric-sql/pglite', 'postgres', 'drizzle-orm'];

const pruned = new Map<string, string>();
const pruneOnce = (app: string): string => {
  const dir = pruned.get(app) ?? join(scratch, app);
  if (!pruned.has(app)) {
    pruneApp(app, dir);
    pruned.set(app, dir);
  }
  return dir;
};

describe.each(appNames())('the %s image (docker/Dockerfile, APP=%s)', (app) => {
  it('installs its production dependencies only: no build or test tools', { timeout: 120_000 }, () => {
    const packages = productionPackages(join(pruneOnce(app), 'json'));
    expect(packages).toContain('fastify');
    expect(packages.filter((name) => DEV_TOOLS.includes(name))).toEqual([]);
    if (app === 'gateway') {
      // The gateway opens no database and hashes no password; Redoc ships as its standalone bundle.
      expect(packages.filter((name) => [...DATABASE, '@node-rs/argon2', 'react', 'core-js'].includes(name))).toEqual(
        [],
      );
      expect(packages).toContain('redoc');
    } else {
      expect(packages).toEqual(expect.arrayContaining(DATABASE));
      expect(packages.includes('@node-rs/argon2')).toBe(app === 'users');
    }
  });

  it.skipIf(!FULL)(
    'starts on exactly that install, and reports its node_modules size',
    { timeout: 300_000 },
    async () => {
      const root = join(pruneOnce(app), 'image');
      const bytes = assembleRuntime(app, join(pruneOnce(app), 'json'), root);
      console.info(`image node_modules of ${app}: ${(bytes / 1e6).toFixed(1)} MB`);
      const service = await spawnService({
        main: join(root, 'apps', app, 'dist/main.js'),
        cwd: join(root, 'apps', app),
        timeoutMs: 60_000,
      });
      try {
        // Readiness runs the database probe (PGlite) on the services; the gateway also serves its docs assets.
        expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
        if (app === 'gateway') {
          const bundle = await fetch(`${service.url}/redoc/redoc.standalone.js`);
          expect([bundle.status, (await bundle.arrayBuffer()).byteLength > 100_000]).toEqual([200, true]);
          expect((await fetch(`${service.url}/docs`, { redirect: 'follow' })).status).toBe(200);
        }
      } finally {
        await service.stop();
      }
    },
  );
});
