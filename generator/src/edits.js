/**
 * Pure text edits the service generator applies to existing repository files (plopfile.js). Each takes
 * the file's current text and the new service's names, and returns the new text; each throws when the
 * file no longer looks the way it expects, so a change elsewhere fails the generator loudly, not silently.
 */

/** Names not allowed for a service: existing parts of the stack, gateway paths, and object keys. */
export const RESERVED = new Set([
  'gateway',
  'users',
  'posts',
  'auth',
  'profiles',
  'internal',
  'api',
  'docs',
  'redoc',
  'openapi',
  'healthz',
  'readyz',
  'metrics',
  'trpc',
  'common',
  'contracts',
  'client',
  'service-kit',
  'generator',
  'docker',
  'bench',
  'examples',
  'packages',
  'apps',
  'deploy',
  'scripts',
  'node-modules',
  'postgres',
  'redis',
  'constructor',
  'prototype',
  'default',
  'test',
]);

/** Lower-case letters, digits and single dashes, starting with a letter, at most 30 characters. */
export const NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Checks a service name.
 * @param {string} name the name given on the command line
 * @param {string[]} existingApps the folder names under apps/
 * @returns {true | string} true, or a message saying what is wrong
 */
export function validateName(name, existingApps) {
  if (typeof name !== 'string' || name.length === 0) return 'Give the service a name: npm run new:service -- <name>';
  if (!NAME_PATTERN.test(name))
    return `"${name}" is not a valid service name: use lower-case letters, digits and single dashes, starting with a letter (e.g. "orders", "cart-items")`;
  if (name.length > 30)
    return `"${name}" is too long: at most 30 characters (it names a database, a Kubernetes Service and an env variable)`;
  if (existingApps.includes(name)) return `apps/${name} already exists: pick another name`;
  if (RESERVED.has(name)) return `"${name}" is reserved (a part of Basis or a gateway path): pick another name`;
  return true;
}

/**
 * The names a service is written under.
 * @param {string} name kebab-case service name, e.g. `cart-items`
 * @returns {{ name: string, camel: string, pascal: string, constant: string, snake: string }}
 */
export function namesOf(name) {
  const parts = name.split('-');
  const pascal = parts.map((part) => part[0].toUpperCase() + part.slice(1)).join('');
  return {
    name,
    camel: pascal[0].toLowerCase() + pascal.slice(1),
    pascal,
    constant: parts.join('_').toUpperCase(),
    snake: parts.join('_'),
  };
}

/**
 * The next free port after every `http://127.0.0.1:PORT` of the gateway's service list.
 * @param {string} servicesTs apps/gateway/src/services.ts
 * @returns {number}
 */
export function nextPort(servicesTs) {
  const ports = [...servicesTs.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((match) => Number(match[1]));
  if (ports.length === 0) throw new Error('apps/gateway/src/services.ts lists no http://127.0.0.1:PORT');
  return Math.max(8001, ...ports) + 1;
}

function mustChange(before, after, what) {
  if (before === after) throw new Error(`new:service could not edit ${what}: it no longer has the expected shape`);
  return after;
}

/**
 * Adds the service's one entry (and its contract's import) to the gateway's service list.
 * @param {string} text apps/gateway/src/services.ts
 */
export function addGatewayService(text, names, port) {
  const key = names.name.includes('-') ? `'${names.name}'` : names.name;
  const withImport = mustChange(
    text,
    text.replace(
      /import \{([^}]*)\} from '@basis\/contracts';/,
      (_, list) => `import {${list.trimEnd()}, ${names.camel}Contract } from '@basis/contracts';`,
    ),
    'the @basis/contracts import of apps/gateway/src/services.ts',
  );
  return mustChange(
    withImport,
    withImport.replace(
      /(export const services = defineServices\(\{\n(?:.*\n)*?)(\}\);)/,
      `$1  ${key}: { url: 'http://127.0.0.1:${port}', contracts: { ${names.camel}: ${names.camel}Contract } },\n$2`,
    ),
    'the defineServices({ … }) list of apps/gateway/src/services.ts',
  );
}

/** Re-exports the new contract module from packages/contracts/src/index.ts. */
export function addContractExport(text, names) {
  return `${text.trimEnd()}\nexport * from './procedures/${names.name}.js';\n`;
}

/** Adds the contract to `restContracts` and `RestContracts` of packages/client/src/routes.ts. */
export function addClientRoutes(text, names) {
  let out = mustChange(
    text,
    text.replace(
      /import \{\n([^}]*)\} from '@basis\/contracts';/,
      (_, list) =>
        `import {\n${list}  type ${names.pascal}Contract,\n  ${names.camel}Contract,\n} from '@basis/contracts';`,
    ),
    'the @basis/contracts import of packages/client/src/routes.ts',
  );
  out = mustChange(
    out,
    out.replace(
      /(export const restContracts = \{[^}]*?),?\s*\} as const;/,
      `$1, ${names.camel}: ${names.camel}Contract } as const;`,
    ),
    'restContracts in packages/client/src/routes.ts',
  );
  return mustChange(
    out,
    out.replace(/(export interface RestContracts \{\n(?:.*\n)*?)\}/, `$1  ${names.camel}: ${names.pascal}Contract;\n}`),
    'RestContracts in packages/client/src/routes.ts',
  );
}

/** Adds `<NAME>_SERVICE_URL` to the dev and start tasks' passThroughEnv in turbo.json. */
export function addTurboEnv(text, names) {
  const turbo = JSON.parse(text);
  const variable = `${names.constant}_SERVICE_URL`;
  for (const task of ['dev', 'start']) {
    const list = turbo.tasks?.[task]?.passThroughEnv;
    if (!Array.isArray(list)) throw new Error(`turbo.json: tasks.${task}.passThroughEnv is not a list`);
    if (list.includes(variable)) continue;
    const last = list.findLastIndex((entry) => entry.endsWith('_SERVICE_URL'));
    list.splice(last + 1, 0, variable);
  }
  return `${JSON.stringify(turbo, null, 2)}\n`;
}

/** Adds `<NAME>_SERVICE_URL=http://127.0.0.1:<port>` after the last such line of apps/gateway/.env.example. */
export function addGatewayEnvExample(text, names, port) {
  const lines = text.split('\n');
  const last = lines.findLastIndex((line) => /^[A-Z0-9_]+_SERVICE_URL=/.test(line));
  if (last < 0) throw new Error('apps/gateway/.env.example has no <NAME>_SERVICE_URL= line');
  lines.splice(last + 1, 0, `${names.constant}_SERVICE_URL=http://127.0.0.1:${port}`);
  return lines.join('\n');
}

/**
 * Rewrites a posts file for the new service: `posts` → name, `POSTS` → constant, `Posts` → Pascal,
 * `basis_posts` → `basis_<snake>`, port 8003 → port, and drops the lines naming `USERS_SERVICE_URL` and the
 * comment above its setting (posts reads user events; a new service does not). Credential and other settings carry over as posts has them.
 */
export function fromPosts(text, names, port) {
  const lines = text.split('\n');
  const kept = lines.filter((line, index) => {
    if (/USERS_SERVICE_URL|users:8002/.test(line)) return false;
    // The comment right above a dropped USERS_SERVICE_URL setting (it explains posts' event feed) goes with it.
    const next = lines[index + 1] ?? '';
    return !(/^\s*#/.test(line) && /^\s*USERS_SERVICE_URL[=:]/.test(next));
  });
  return kept
    .join('\n')
    .replace(/basis_posts/g, `basis_${names.snake}`)
    .replace(/(?<![A-Za-z0-9])posts(?![A-Za-z0-9])/g, names.name)
    .replace(/(?<![A-Za-z0-9])POSTS(?=_|\b)/g, names.constant)
    .replace(/(?<![A-Za-z0-9])Posts(?![a-z])/g, names.pascal)
    .replace(/\b8003\b/g, String(port));
}

/**
 * The compose service block of posts (from `  posts:` to the next top-level service), for the new service.
 * @param {string} compose docker-compose.yml
 */
export function composeBlockOf(compose, names, port) {
  const match = compose.match(/\n( {2}posts:\n(?: {4}.*\n|\n)*?)(?= {2}[a-z-]+:\n)/);
  if (!match) throw new Error('docker-compose.yml has no `posts:` service to copy');
  return fromPosts(match[1], names, port);
}

/**
 * Adds the new service to docker-compose.yml: its block (copied from posts) before the gateway, its
 * database (init script + `<NAME>_DB` on postgres) and `<NAME>_SERVICE_URL` plus a health dependency on the gateway.
 */
export function addComposeService(compose, names, port) {
  const block = composeBlockOf(compose, names, port);
  let out = mustChange(
    compose,
    compose.replace(/\n {2}gateway:\n/, `\n${block.trimEnd()}\n\n  gateway:\n`),
    'docker-compose.yml (gateway:)',
  );
  out = mustChange(
    out,
    out.replace(
      /( {6}- \.\/docker\/postgres\/create-posts-database\.sh:.*\n)/,
      `$1      - ./docker/postgres/create-${names.name}-database.sh:/docker-entrypoint-initdb.d/20-create-${names.name}-database.sh:ro\n`,
    ),
    'docker-compose.yml (postgres init scripts)',
  );
  out = mustChange(
    out,
    out.replace(
      /( {6}POSTS_DB: .*\n)/,
      `$1      ${names.constant}_DB: \${${names.constant}_DB:-basis_${names.snake}}\n`,
    ),
    'docker-compose.yml (POSTS_DB)',
  );
  out = mustChange(
    out,
    out.replace(
      /( {6}POSTS_SERVICE_URL: http:\/\/posts:8003\n)/,
      `$1      ${names.constant}_SERVICE_URL: http://${names.name}:${port}\n`,
    ),
    "docker-compose.yml (the gateway's POSTS_SERVICE_URL)",
  );
  // The gateway's depends_on, kept in alphabetical order (dclint's service-dependencies-alphabetical-order).
  return mustChange(
    out,
    out.replace(
      /( {4}depends_on:\n)((?: {6}[a-z0-9-]+:\n {8}condition: \w+\n)+)(?= {4}environment:\n {6}NODE_ENV: production\n {6}PORT: "8001")/,
      (_, head, entries) => {
        const list = entries.match(/ {6}[a-z0-9-]+:\n {8}condition: \w+\n/g);
        list.push(`      ${names.name}:\n        condition: service_healthy\n`);
        const key = (entry) => entry.trim().split(':')[0];
        return head + list.sort((a, b) => key(a).localeCompare(key(b))).join('');
      },
    ),
    "docker-compose.yml (the gateway's depends_on)",
  );
}

/**
 * Adds the service to the root .env.example that docker-compose.yml reads: its `<NAME>_SERVICE_PRIVATE_KEY`
 * (required, shown commented out like the others), its `<NAME>_DB`, and its name in the key-generating loops.
 * @param {string} text .env.example
 */
export function addRootEnvExample(text, names) {
  let out = mustChange(
    text,
    text.replace(/(^# POSTS_SERVICE_PRIVATE_KEY=\n)/m, `$1# ${names.constant}_SERVICE_PRIVATE_KEY=\n`),
    '.env.example (# POSTS_SERVICE_PRIVATE_KEY=)',
  );
  out = mustChange(
    out,
    out.replace(/(^POSTS_DB=.*\n)/m, `$1${names.constant}_DB=basis_${names.snake}\n`),
    '.env.example (POSTS_DB=)',
  );
  return addToKeyLoops(out, names, '.env.example');
}

/** Adds the name to every `for app in gateway users posts …;` loop that generates each app's service key. */
function addToKeyLoops(text, names, what) {
  return mustChange(
    text,
    text.replace(/(for app in gateway users posts(?: [a-z0-9-]+)*);/g, `$1 ${names.name};`),
    `${what} (for app in gateway users posts …)`,
  );
}

/**
 * Adds the service to the README: its name in the key-generating loops, and in the Kubernetes section the
 * commands creating its `<name>-service-key` and `<name>-database` Secrets (which its Deployment references).
 * @param {string} text README.md
 */
export function addReadmeSecrets(text, names) {
  const { name, snake } = names;
  let out = mustChange(
    text,
    text.replace(
      /(^kubectl -n basis create secret generic posts-service-key .*\n)/m,
      `$1kubectl -n basis create secret generic ${name}-service-key --from-file=SERVICE_PRIVATE_KEY=${name}-service.pem\n`,
    ),
    'README.md (posts-service-key)',
  );
  out = mustChange(
    out,
    out.replace(
      /(^kubectl -n basis create secret generic posts-database \\\n.*\n)/m,
      `$1kubectl -n basis create secret generic ${name}-database \\\n  --from-literal=DATABASE_URL='postgres://${snake}:PASSWORD@db.example.com:5432/${snake}'\n`,
    ),
    'README.md (posts-database)',
  );
  return addToKeyLoops(out, names, 'README.md');
}

/** Adds `- <name>` to `resources` of deploy/k8s/kustomization.yaml. */
export function addKustomizeResource(text, names) {
  return mustChange(
    text,
    text.replace(/(resources:\n(?: {2}- .*\n?)*)/, (list) => `${list.trimEnd()}\n  - ${names.name}\n`),
    'deploy/k8s/kustomization.yaml',
  );
}

/** Adds `<NAME>_SERVICE_URL: http://<name>:<port>` to deploy/k8s/common/config.yaml. */
export function addK8sServiceUrl(text, names, port) {
  return mustChange(
    text,
    text.replace(
      /((?: {2}[A-Z0-9_]+_SERVICE_URL: .*\n)+)/,
      `$1  ${names.constant}_SERVICE_URL: http://${names.name}:${port}\n`,
    ),
    'deploy/k8s/common/config.yaml',
  );
}
