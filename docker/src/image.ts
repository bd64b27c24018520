import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './repo.js';

/** The single Dockerfile every app's image is built from (`--build-arg APP=<folder under apps/>`). */
export const DOCKERFILE = 'docker/Dockerfile';

/** The production install of the image's prod-deps stage, as its `RUN` line runs it. */
export const PROD_INSTALL = ['npm', 'ci', '--omit=dev', '--omit=peer'] as const;

/**
 * Packages the prod-deps stage deletes after {@link PROD_INSTALL}: TypeScript, a peer of `@trpc/server` for
 * its types only (npm counts it as a production package because a production package names it).
 */
export const UNUSED_AT_RUNTIME = ['typescript', '@typescript'] as const;

/** The prod-deps stage's `RUN` line, as the Dockerfile must spell it. */
export const PROD_DEPS_RUN = `${PROD_INSTALL.join(' ')} && rm -rf ${UNUSED_AT_RUNTIME.map((name) => `node_modules/${name}`).join(' ')}`;

/** The app folders under apps/ (each builds an image from {@link DOCKERFILE}). */
export function appNames(): string[] {
  return readdirSync(join(REPO_ROOT, 'apps'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(REPO_ROOT, 'apps', entry.name, 'package.json')))
    .map((entry) => entry.name)
    .sort();
}

const quiet = { cwd: REPO_ROOT, stdio: 'pipe', encoding: 'utf8' } as const;
const npmEnv = {
  ...process.env,
  NPM_CONFIG_UPDATE_NOTIFIER: 'false',
  NPM_CONFIG_FUND: 'false',
  NPM_CONFIG_AUDIT: 'false',
};

/**
 * The image's prune stage: `turbo prune @basis/<app> --docker` into `outDir` (`json/` with the manifests
 * and the lockfile slice, `full/` with the sources).
 * @throws when turbo fails
 */
export function pruneApp(app: string, outDir: string): void {
  execFileSync('npx', ['turbo', 'prune', `@basis/${app}`, '--docker', '--out-dir', outDir], {
    ...quiet,
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1' },
  });
}

/**
 * The packages the prod-deps stage would install, from npm's own dry run of {@link PROD_INSTALL} on a
 * pruned `json/` folder (about a second: nothing is downloaded or written), minus {@link UNUSED_AT_RUNTIME}.
 * @param jsonDir the `json/` folder of {@link pruneApp}
 * @returns package names, sorted, each once
 */
export function productionPackages(jsonDir: string): string[] {
  const [command, ...args] = PROD_INSTALL;
  const output = execFileSync(command, [...args, '--dry-run', '--prefer-offline'], {
    ...quiet,
    cwd: jsonDir,
    env: npmEnv,
  });
  const names = [...output.matchAll(/^add (\S+) \S+$/gm)].map((match) => match[1] ?? '');
  const unused = (name: string) => UNUSED_AT_RUNTIME.some((u) => name === u || name.startsWith(`${u}/`));
  return [...new Set(names.filter((name) => !unused(name)))].sort();
}

/**
 * The image's prod-deps and runtime stages on this machine: {@link PROD_DEPS_RUN} in a copy of the pruned
 * `json/` folder (npm's cache serves the packages), then each workspace's built `dist/` and the app's
 * `drizzle/` from this checkout (build first), as the runtime stage copies them from the build stage.
 * @param jsonDir the `json/` folder of {@link pruneApp}
 * @param rootDir where the image's `/app` is assembled
 * @returns the size of `node_modules` in bytes (`du -sb`)
 * @throws when npm fails or a workspace of the prune is not built
 */
export function assembleRuntime(app: string, jsonDir: string, rootDir: string): number {
  cpSync(jsonDir, rootDir, { recursive: true });
  const [command, ...args] = PROD_INSTALL;
  execFileSync(command, [...args, '--prefer-offline'], { ...quiet, cwd: rootDir, env: npmEnv });
  for (const name of UNUSED_AT_RUNTIME) rmSync(join(rootDir, 'node_modules', name), { recursive: true, force: true });
  const size = Number(execFileSync('du', ['-sb', join(rootDir, 'node_modules')], quiet).split('\t')[0]);
  for (const group of ['packages', 'apps']) {
    for (const workspace of readdirSync(join(rootDir, group))) {
      const dist = join(REPO_ROOT, group, workspace, 'dist');
      if (!existsSync(dist)) throw new Error(`${group}/${workspace}/dist is missing: run \`npx turbo build\` first`);
      cpSync(dist, join(rootDir, group, workspace, 'dist'), { recursive: true });
    }
  }
  const drizzle = join(REPO_ROOT, 'apps', app, 'drizzle');
  if (existsSync(drizzle)) cpSync(drizzle, join(rootDir, 'apps', app, 'drizzle'), { recursive: true });
  return size;
}
