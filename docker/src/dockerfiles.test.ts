import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Instruction, parseDockerfile, type Stage } from './dockerfile.js';
import { REPO_ROOT, readRepoFile } from './repo.js';

const apps = [
  { app: 'users', port: 8002 },
  { app: 'posts', port: 8003 },
  { app: 'gateway', port: 8001 },
];

const all = (stage: Stage | undefined, keyword: string): Instruction[] =>
  stage?.instructions.filter((i) => i.keyword === keyword) ?? [];

describe.each(apps)('apps/$app/Dockerfile', ({ app, port }) => {
  const { globalArgs, stages } = parseDockerfile(readRepoFile(`apps/${app}/Dockerfile`));
  const runtime = stages.at(-1);
  const runs = stages.flatMap((stage) => all(stage, 'RUN').map((i) => i.args));

  it('is multi-stage on node:20-slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(4);
    expect(globalArgs.map((a) => a.args)).toContain('NODE_IMAGE=node:20-slim');
    // The stages start from the NODE_IMAGE build argument.
    expect(stages[0]?.from).toBe(`\${NODE_IMAGE}`);
    expect(runtime?.from).toBe(`\${NODE_IMAGE}`);
  });

  it(`prunes the monorepo to @basis/${app} and installs from the pruned lockfile`, () => {
    expect(runs).toContain(`turbo prune @basis/${app} --docker`);
    expect(runs).toContain('npm ci');
    expect(runs).toContain('npm ci --omit=dev');
    expect(runs).toContain(`npx turbo build --filter=@basis/${app}`);
    const copies = stages.flatMap((stage) => all(stage, 'COPY').map((i) => i.args));
    expect(copies).toContain('--from=prune /app/out/json/ .');
    expect(copies).toContain('--from=prune /app/out/full/ .');
  });

  it('pins the turbo the repository uses', () => {
    const pinned = stages.flatMap((s) => all(s, 'ARG')).find((a) => a.args.startsWith('TURBO_VERSION='));
    const lock = JSON.parse(readRepoFile('package-lock.json')) as {
      packages: Record<string, { version?: string }>;
    };
    expect(pinned?.args).toBe(`TURBO_VERSION=${lock.packages['node_modules/turbo']?.version}`);
  });

  it('runs the built entry as the non-root node user in production mode, with a health check', () => {
    const users = all(runtime, 'USER').map((i) => i.args);
    expect(users.at(-1)).toBe('node');
    expect(
      all(runtime, 'ENV')
        .map((i) => i.args)
        .join(' '),
    ).toMatch(/\bNODE_ENV=production\b/);
    expect(all(runtime, 'EXPOSE').map((i) => i.args)).toEqual([String(port)]);
    expect(all(runtime, 'CMD').map((i) => JSON.parse(i.args))).toEqual([['node', `apps/${app}/dist/main.js`]]);
    expect(all(runtime, 'HEALTHCHECK')[0]?.args).toContain('/healthz');
    expect(existsSync(join(REPO_ROOT, `apps/${app}/src/main.ts`))).toBe(true);
  });

  it('copies only production dependencies and built output into the runtime stage', () => {
    const copies = all(runtime, 'COPY').map((i) => i.args);
    expect(copies).toContain('--from=prod-deps /app/ ./');
    expect(copies).toContain(`--from=build /app/apps/${app}/dist apps/${app}/dist`);
    expect(copies.every((c) => c.startsWith('--from='))).toBe(true);
  });
});

describe.each(['users', 'posts'])('the %s image', (app) => {
  const { stages } = parseDockerfile(readRepoFile(`apps/${app}/Dockerfile`));
  const copies = all(stages.at(-1), 'COPY').map((i) => i.args);

  it('ships the drizzle migrations next to dist/, where the service reads them at start', () => {
    expect(copies).toContain(`--from=build /app/apps/${app}/drizzle apps/${app}/drizzle`);
    expect(existsSync(join(REPO_ROOT, `apps/${app}/drizzle/meta/_journal.json`))).toBe(true);
  });

  it('ships the built packages it runs on: contracts and the service kit', () => {
    for (const pkg of ['contracts', 'service-kit']) {
      expect(copies).toContain(`--from=build /app/packages/${pkg}/dist packages/${pkg}/dist`);
    }
  });
});

describe('.dockerignore', () => {
  it('keeps local state and secrets out of the build context', () => {
    const lines = readRepoFile('.dockerignore').split('\n');
    for (const pattern of ['**/node_modules', '**/dist', '**/.data', '.git', '.env']) expect(lines).toContain(pattern);
  });
});
