import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DCLinter } from 'dclint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT, readRepoFile } from './repo.js';

const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');
/** A value for every required variable (`${NAME:?…}`): JWT_SECRET long enough, the service keys as PEM stand-ins. */
const SECRETS = Object.fromEntries(
  [...readRepoFile('docker-compose.yml').matchAll(/\$\{(\w+):\?/g)].map(([, name = '']) => [
    name,
    name === 'JWT_SECRET' ? 'j'.repeat(32) : 'pem',
  ]),
);

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

const compose = parse(readRepoFile('docker-compose.yml')) as ComposeFile;
const service = (name: string): Service => {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`no service ${name}`);
  return found;
};

/** The part of dclint's result we read (its bundled .d.ts files do not resolve under NodeNext). */
interface LintResult {
  messages: Array<{ rule: string; type: 'error' | 'warning'; message: string; line: number }>;
}

/** Lints a compose file with dclint: YAML parse, the compose-spec JSON schema, then its rules. */
function lint(path: string): LintResult {
  const linter: { lintFiles(paths: string[], recursive: boolean): LintResult[] } = new DCLinter({
    quiet: true,
    debug: false,
    exclude: [],
    rules: {
      // `image` names what `build` produces (basis/<app>:local), which the spec allows.
      'no-build-and-image': 0,
      // The gateway is the public edge; pgAdmin's localhost binding is asserted below instead.
      'no-unbound-port-interfaces': 0,
      // Services are listed in start order, which reads better than alphabetical.
      'services-alphabetical-order': 0,
      // Biome formats YAML with double quotes; the rule only wants ports quoted.
      'require-quotes-in-ports': [1, { quoteType: 'double' }],
    },
  });
  const [result] = linter.lintFiles([path], false);
  if (result === undefined) throw new Error(`dclint found no compose file at ${path}`);
  return result;
}

describe('docker-compose.yml against the Compose Specification', () => {
  it('validates against the compose-spec JSON schema and passes dclint', () => {
    expect(lint(COMPOSE_FILE).messages).toEqual([]);
  });

  it('would catch a schema error (the check is live)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'basis-compose-'));
    try {
      const broken = join(dir, 'docker-compose.yml');
      writeFileSync(broken, readRepoFile('docker-compose.yml').replace('service_healthy', 'healthy'));
      expect(lint(broken).messages.map((m) => m.rule)).toEqual(['invalid-schema']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const composeCli = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  const hasComposeCli = composeCli.status === 0;
  if (!hasComposeCli) {
    console.info('docker compose is not installed here: checked with the compose-spec schema (dclint) only');
  }

  it.skipIf(!hasComposeCli)('is accepted by `docker compose config --quiet` with the secrets set', () => {
    const run = spawnSync('docker', ['compose', '-f', COMPOSE_FILE, 'config', '--quiet'], {
      encoding: 'utf8',
      env: { ...process.env, ...SECRETS },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it.skipIf(!hasComposeCli)('is refused by `docker compose config` when a secret is missing', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...SECRETS };
    delete env.JWT_SECRET;
    const run = spawnSync('docker', ['compose', '-f', COMPOSE_FILE, 'config', '--quiet'], { encoding: 'utf8', env });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('JWT_SECRET');
  });
});

describe('the stack in docker-compose.yml', () => {
  it('runs postgres 16 on a named volume with a pg_isready health check', () => {
    const postgres = service('postgres');
    expect(postgres.image).toBe('postgres:16');
    const volume = postgres.volumes?.[0]?.split(':')[0] ?? '';
    expect(compose.volumes).toHaveProperty(volume);
    expect(postgres.healthcheck?.test.join(' ')).toContain('pg_isready');
  });

  it('runs redis 7 with a health check', () => {
    expect(service('redis').image).toBe('redis:7');
    expect(service('redis').healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it.each(['users', 'posts', 'gateway'])('builds %s from docker/Dockerfile with APP=%s and checks /healthz', (name) => {
    const app = service(name);
    expect(app.build).toEqual({ context: '.', dockerfile: 'docker/Dockerfile', args: { APP: name } });
    expect(app.environment?.NODE_ENV).toBe('production');
    expect(app.healthcheck?.test.join(' ')).toContain('/healthz');
  });

  it('points users at postgres once postgres is healthy', () => {
    const users = service('users');
    expect(users.environment?.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\//);
    expect(users.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
  });

  it('points posts at its own database on postgres, not the users one, and at users', () => {
    const posts = service('posts');
    const url = posts.environment?.DATABASE_URL ?? '';
    expect(url).toMatch(/^postgres:\/\/.+@postgres:5432\/\$\{POSTS_DB:-basis_posts\}$/);
    expect(url).not.toBe(service('users').environment?.DATABASE_URL);
    expect(posts.environment).toMatchObject({ PORT: '8003', USERS_SERVICE_URL: 'http://users:8002' });
    expect(posts.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(posts.ports).toBeUndefined();
  });

  it('creates the posts database with an init script of the postgres image, from POSTS_DB', () => {
    const postgres = service('postgres');
    expect(postgres.environment?.POSTS_DB).toBe(`\${POSTS_DB:-basis_posts}`);
    const mount = postgres.volumes?.find((volume) => volume.includes('/docker-entrypoint-initdb.d/'));
    const script = readRepoFile(mount?.split(':')[0] ?? 'missing');
    expect(script).toContain('CREATE DATABASE :"posts_db"');
    expect(script).toContain('--set=posts_db="$POSTS_DB"');
  });

  it('publishes the gateway on 8001, wired to redis and every service once they are healthy', () => {
    const gateway = service('gateway');
    expect(gateway.ports).toEqual(['8001:8001']);
    expect(gateway.environment).toMatchObject({
      PORT: '8001',
      USERS_SERVICE_URL: 'http://users:8002',
      POSTS_SERVICE_URL: 'http://posts:8003',
      REDIS_URL: 'redis://redis:6379',
    });
    // Every service built from docker/Dockerfile (users, posts, and any generated one), plus redis.
    const services = Object.keys(compose.services).filter((name) => name !== 'gateway' && service(name).build);
    expect(services).toEqual(expect.arrayContaining(['users', 'posts']));
    expect(gateway.depends_on).toEqual(
      Object.fromEntries(['redis', ...services].map((name) => [name, { condition: 'service_healthy' }])),
    );
  });

  it('takes every secret from the environment (.env) and stops when one is missing', () => {
    const required = /^\$\{(\w+):\?[^}]+\}$/;
    expect(service('gateway').environment?.JWT_SECRET).toMatch(required);
    for (const app of ['gateway', 'users', 'posts']) {
      const own = service(app).environment?.SERVICE_PRIVATE_KEY ?? '';
      expect(required.exec(own)?.[1], `${app}'s own key`).toBe(`${app.toUpperCase()}_SERVICE_PRIVATE_KEY`);
    }
    expect(service('users').environment?.GATEWAY_SERVICE_PUBLIC_KEY).toMatch(required);
    expect(service('users').environment?.POSTS_SERVICE_PUBLIC_KEY).toMatch(required);
    expect(service('posts').environment?.GATEWAY_SERVICE_PUBLIC_KEY).toMatch(required);
    expect(service('posts').environment?.POSTS_SERVICE_PUBLIC_KEY).toBeUndefined();
  });

  it("runs Jaeger all-in-one (UI on localhost:16686) and sends every app's traces to its OTLP/HTTP port 4318", () => {
    const jaeger = service('jaeger');
    expect(jaeger.image).toMatch(/^jaegertracing\/jaeger:2\./);
    expect(jaeger.ports).toEqual(['127.0.0.1:16686:16686']);
    for (const app of ['gateway', 'users', 'posts']) {
      // `-` rather than `:-`: an empty OTEL_EXPORTER_OTLP_ENDPOINT in .env turns tracing off.
      expect(service(app).environment?.OTEL_EXPORTER_OTLP_ENDPOINT, app).toBe(
        `\${OTEL_EXPORTER_OTLP_ENDPOINT-http://jaeger:4318}`,
      );
    }
  });

  it('preconfigures pgAdmin with the postgres server, on port 5050 of localhost only', () => {
    const pgadmin = service('pgadmin');
    expect(pgadmin.image).toMatch(/^dpage\/pgadmin4:/);
    expect(pgadmin.ports).toEqual(['127.0.0.1:5050:80']);
    const mount = pgadmin.volumes?.find((v) => v.includes('/pgadmin4/servers.json'));
    const hostPath = mount?.split(':')[0] ?? '';
    const servers = JSON.parse(readRepoFile(hostPath)) as {
      Servers: Record<string, { Host: string; Port: number; Username: string; MaintenanceDB: string }>;
    };
    expect(Object.values(servers.Servers)).toEqual([
      expect.objectContaining({ Host: 'postgres', Port: 5432, Username: 'basis', MaintenanceDB: 'basis' }),
    ]);
  });
});
