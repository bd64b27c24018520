import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv as parseDotenv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type Instruction, parseDockerfile, type Stage } from './dockerfile.js';
import { appNames, DOCKERFILE, PROD_DEPS_RUN } from './image.js';
import { REPO_ROOT, readRepoFile } from './repo.js';

const all = (stage: Stage | undefined, keyword: string): Instruction[] =>
  stage?.instructions.filter((i) => i.keyword === keyword) ?? [];
const args = (stage: Stage | undefined, keyword: string): string[] => all(stage, keyword).map((i) => i.args);

describe('docker/Dockerfile, the one image definition of every app', () => {
  const { globalArgs, stages } = parseDockerfile(readRepoFile(DOCKERFILE));
  const stage = (name: string) => stages.find((s) => s.name === name);
  const runtime = stages.at(-1);
  const runs = stages.flatMap((s) => args(s, 'RUN'));

  it('is multi-stage on node:20-slim', () => {
    expect(stages.map((s) => s.name)).toEqual(['base', 'prune', 'deps', 'build', 'prod-deps', 'runtime']);
    expect(globalArgs.map((a) => a.args)).toContain('NODE_IMAGE=node:20-slim');
    expect(stages[0]?.from).toBe(`\${NODE_IMAGE}`);
    expect(runtime?.from).toBe(`\${NODE_IMAGE}`);
  });

  it('names no app: APP, a build argument without default, picks the workspace', () => {
    for (const name of ['prune', 'build', 'runtime']) expect(args(stage(name), 'ARG')).toContain('APP');
    const text = readRepoFile(DOCKERFILE)
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .join('\n');
    for (const app of appNames()) expect(text).not.toMatch(new RegExp(`\\b${app}\\b`));
    expect(text).not.toMatch(/\b80\d\d\b/);
  });

  it('prunes the monorepo to @basis/$APP and installs from the pruned lockfile', () => {
    expect(runs).toContain(`turbo prune @basis/\${APP} --docker`);
    expect(args(stage('deps'), 'RUN')).toEqual(['npm ci']);
    expect(runs).toContain(`npx turbo build --filter=@basis/\${APP}`);
    expect(args(stage('deps'), 'COPY')).toEqual(['--from=prune /app/out/json/ .']);
    expect(args(stage('build'), 'COPY')).toContain('--from=prune /app/out/full/ .');
  });

  it('installs production dependencies only in the stage the runtime copies', () => {
    expect(args(stage('prod-deps'), 'COPY')).toEqual(['--from=prune /app/out/json/ .']);
    expect(args(stage('prod-deps'), 'RUN')).toEqual([PROD_DEPS_RUN]);
  });

  it('pins the turbo the repository uses', () => {
    const pinned = args(stage('prune'), 'ARG').find((a) => a.startsWith('TURBO_VERSION='));
    const lock = JSON.parse(readRepoFile('package-lock.json')) as {
      packages: Record<string, { version?: string }>;
    };
    expect(pinned).toBe(`TURBO_VERSION=${lock.packages['node_modules/turbo']?.version}`);
  });

  it('ships every built workspace, and the migrations and default port of the app', () => {
    const ship = args(stage('build'), 'RUN').find((run) => run.includes('/ship')) ?? '';
    expect(ship).toContain('for dist in packages/*/dist apps/*/dist');
    expect(ship).toContain(`cp -R "apps/\${APP}/drizzle" "/ship/apps/\${APP}/drizzle"`);
    expect(ship).toContain(`"apps/\${APP}/.env.example" > "/ship/apps/\${APP}/.default-port"`);
  });

  it('runs the built entry from the app folder as the non-root node user in production mode, with a health check', () => {
    expect(args(runtime, 'USER').at(-1)).toBe('node');
    expect(args(runtime, 'ENV').join(' ')).toMatch(/\bNODE_ENV=production\b/);
    // The port is the app's: PORT when set (compose, Kubernetes), else its env.ts default.
    expect(args(runtime, 'ENV').join(' ')).not.toMatch(/\bPORT=/);
    expect(args(runtime, 'WORKDIR').at(-1)).toBe(`/app/apps/\${APP}`);
    expect(args(runtime, 'CMD').map((a) => JSON.parse(a))).toEqual([['node', 'dist/main.js']]);
    const check = args(runtime, 'HEALTHCHECK')[0] ?? '';
    expect(check).toContain('/healthz');
    expect(check).toContain('process.env.PORT');
    expect(check).toContain('.default-port');
  });

  it('copies only production dependencies and built output into the runtime stage', () => {
    expect(args(runtime, 'COPY')).toEqual(['--from=prod-deps /app/ ./', '--from=build /ship/ ./']);
  });
});

describe.each(appNames())('apps/%s, built with APP=%s', (app) => {
  const dir = join(REPO_ROOT, 'apps', app);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string };

  it('is the workspace @basis/<folder> with a src/main.ts, and no Dockerfile of its own', () => {
    expect(manifest.name).toBe(`@basis/${app}`);
    expect(existsSync(join(dir, 'src/main.ts'))).toBe(true);
    expect(existsSync(join(dir, 'Dockerfile'))).toBe(false);
  });

  it('names its default port on a PORT= line of .env.example, which the health check reads', () => {
    expect(parseDotenv(readFileSync(join(dir, '.env.example'), 'utf8')).PORT).toMatch(/^\d+$/);
  });

  it('has its migrations journal in drizzle/ when it has migrations', () => {
    if (existsSync(join(dir, 'drizzle'))) expect(existsSync(join(dir, 'drizzle/meta/_journal.json'))).toBe(true);
    else expect(app).toBe('gateway');
  });
});

describe('.dockerignore', () => {
  it('keeps local state and secrets out of the build context', () => {
    const lines = readRepoFile('.dockerignore').split('\n');
    for (const pattern of ['**/node_modules', '**/dist', '**/.data', '.git', '.env']) expect(lines).toContain(pattern);
  });
});
