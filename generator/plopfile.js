import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  addClientRoutes,
  addComposeService,
  addContractExport,
  addGatewayEnvExample,
  addGatewayService,
  addK8sServiceUrl,
  addKustomizeResource,
  addReadmeSecrets,
  addRootEnvExample,
  addTurboEnv,
  fromPosts,
  namesOf,
  nextPort,
  validateName,
} from './src/edits.js';

const TEMPLATES = join(dirname(fileURLToPath(import.meta.url)), 'templates');
const GATEWAY_SERVICES = 'apps/gateway/src/services.ts';
/** Set (to anything) to leave out the generator's last action, `npm install`. */
const SKIP_INSTALL = 'BASIS_GENERATOR_SKIP_INSTALL';

/**
 * `npm run new:service -- <name>` (plop): scaffolds a Basis service. Templates (templates/) give the contract
 * and the app's sources; what posts already has (.env.example, compose block, Kubernetes manifests, database
 * init script, the test server helper) is copied from posts with its names and port replaced, so settings
 * such as the service credential follow whatever posts uses today. Its image needs nothing new: compose
 * builds it from docker/Dockerfile with `APP: <name>`. Last, it runs `npm install` (unless
 * BASIS_GENERATOR_SKIP_INSTALL is set), so `npm run build && npm test` is all that is left (SPEC, Commands).
 * @param {import('plop').NodePlopAPI} plop
 */
// biome-ignore lint/style/noDefaultExport: plop loads the plopfile's default export.
export default function (plop) {
  const root = plop.getDestBasePath();
  const read = (path) => readFileSync(join(root, path), 'utf8');
  const touched = [];
  /** A plop action that rewrites (or creates) one repository file with `edit(current text)`. */
  const rewrite = (path, edit) => () => {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, edit(existsSync(target) ? readFileSync(target, 'utf8') : ''));
    touched.push(path);
    return path;
  };

  plop.setHelper('json', (value) => JSON.stringify(value, null, 2).replace(/\n/g, '\n  '));

  plop.setGenerator('service', {
    description: 'a new service: contract, app, gateway line, client routes, env, compose and Kubernetes',
    prompts: [
      {
        type: 'input',
        name: 'name',
        message: 'service name (lower-case letters, digits, dashes)',
        validate: (name) => validateName(name, readdirSync(join(root, 'apps'))),
      },
    ],
    actions: (answers) => {
      const names = namesOf(answers.name);
      const port = nextPort(read(GATEWAY_SERVICES));
      const posts = JSON.parse(read('apps/posts/package.json'));
      const data = { port, dependencies: posts.dependencies, devDependencies: posts.devDependencies };
      const app = `apps/${names.name}`;
      const copyFromPosts = (from, to) => () => {
        const done = rewrite(to, () => fromPosts(read(from), names, port))();
        chmodSync(join(root, to), statSync(join(root, from)).mode);
        return done;
      };
      const k8sFiles = readdirSync(join(root, 'deploy/k8s/posts'));
      return [
        {
          type: 'add',
          path: `packages/contracts/src/procedures/${names.name}.ts`,
          templateFile: join(TEMPLATES, 'contract.ts.hbs'),
          data,
        },
        rewrite('packages/contracts/src/index.ts', (text) => addContractExport(text, names)),
        {
          type: 'addMany',
          destination: app,
          base: join(TEMPLATES, 'app'),
          templateFiles: join(TEMPLATES, 'app/**/*'),
          globOptions: { dot: true },
          data,
        },
        copyFromPosts('apps/posts/.env.example', `${app}/.env.example`),
        copyFromPosts('apps/posts/test/support/server.ts', `${app}/test/support/server.ts`),
        rewrite(GATEWAY_SERVICES, (text) => addGatewayService(text, names, port)),
        rewrite('apps/gateway/.env.example', (text) => addGatewayEnvExample(text, names, port)),
        rewrite('packages/client/src/routes.ts', (text) => addClientRoutes(text, names)),
        rewrite('turbo.json', (text) => addTurboEnv(text, names)),
        rewrite('docker-compose.yml', (text) => addComposeService(text, names, port)),
        rewrite('.env.example', (text) => addRootEnvExample(text, names)),
        rewrite('README.md', (text) => addReadmeSecrets(text, names)),
        copyFromPosts('docker/postgres/create-posts-database.sh', `docker/postgres/create-${names.name}-database.sh`),
        ...k8sFiles.map((file) => copyFromPosts(`deploy/k8s/posts/${file}`, `deploy/k8s/${names.name}/${file}`)),
        rewrite('deploy/k8s/kustomization.yaml', (text) => addKustomizeResource(text, names)),
        rewrite('deploy/k8s/common/config.yaml', (text) => addK8sServiceUrl(text, names, port)),
        () => {
          // The committed migration (and drizzle-kit's snapshot, for the next `db:generate`), from src/db/schema.ts.
          execFileSync('npx', ['drizzle-kit', 'generate', '--name', 'init'], { cwd: join(root, app), stdio: 'pipe' });
          return `${app}/drizzle (drizzle-kit generate)`;
        },
        () => {
          // Biome's formatting and import order for every file written, so `npm run lint` stays green.
          const files = [
            `packages/contracts/src/procedures/${names.name}.ts`,
            app,
            ...touched.filter((path) => /\.(ts|json)$/.test(path)),
          ];
          execFileSync('npx', ['biome', 'check', '--write', ...new Set(files)], { cwd: root, stdio: 'pipe' });
          return 'formatted with Biome';
        },
        () => {
          // The new workspace into package-lock.json and node_modules/@basis/<name>: without it the build and
          // tests still pass, but `npm ci` (CI, docker/Dockerfile) refuses the out-of-sync lock file and turbo
          // warns the workspace is missing from it. About 2 s when everything else is installed already.
          const next = `next: edit packages/contracts/src/procedures/${names.name}.ts, then npm run build && npm test`;
          if (process.env[SKIP_INSTALL]) return `npm install skipped (${SKIP_INSTALL} is set); ${next}`;
          execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'pipe' });
          return `npm install (package-lock.json, node_modules/@basis/${names.name}); ${next}`;
        },
      ];
    },
  });
}
