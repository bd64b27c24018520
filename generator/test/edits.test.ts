import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  addComposeService,
  addGatewayService,
  addReadmeSecrets,
  addRootEnvExample,
  addTurboEnv,
  fromPosts,
  namesOf,
  nextPort,
  validateName,
} from '../src/edits.js';

describe('validateName (npm run new:service -- <name>)', () => {
  it.each(['orders', 'cart-items', 'v2', 'a1-b2'])('accepts %s', (name) => {
    expect(validateName(name, ['users', 'posts', 'gateway'])).toBe(true);
  });

  it.each([
    ['', /Give the service a name/],
    ['Orders', /not a valid service name/],
    ['cart_items', /not a valid service name/],
    ['-orders', /not a valid service name/],
    ['orders-', /not a valid service name/],
    ['cart--items', /not a valid service name/],
    ['9lives', /not a valid service name/],
    ['a'.repeat(31), /too long/],
    ['billing', /apps\/billing already exists/],
    ['openapi', /reserved/],
    ['constructor', /reserved/],
  ])('refuses %j with a message', (name, message) => {
    expect(validateName(name, ['users', 'posts', 'gateway', 'billing'])).toMatch(message);
  });
});

describe('the names and edits of a dashed service', () => {
  const names = namesOf('cart-items');

  it('derives camel, Pascal, CONSTANT and snake forms', () => {
    expect(names).toEqual({
      name: 'cart-items',
      camel: 'cartItems',
      pascal: 'CartItems',
      constant: 'CART_ITEMS',
      snake: 'cart_items',
    });
  });

  it('adds one quoted entry on the next port to the gateway list, and its import', () => {
    const services = [
      "import { postsContract } from '@basis/contracts';",
      '',
      'export const services = defineServices({',
      "  posts: { url: 'http://127.0.0.1:8003', contracts: { posts: postsContract } },",
      '});',
      '',
    ].join('\n');
    expect(nextPort(services)).toBe(8004);
    expect(addGatewayService(services, names, 8004)).toBe(
      [
        "import { postsContract, cartItemsContract } from '@basis/contracts';",
        '',
        'export const services = defineServices({',
        "  posts: { url: 'http://127.0.0.1:8003', contracts: { posts: postsContract } },",
        "  'cart-items': { url: 'http://127.0.0.1:8004', contracts: { cartItems: cartItemsContract } },",
        '});',
        '',
      ].join('\n'),
    );
    expect(() => addGatewayService('export const services = {};\n', names, 8004)).toThrow(/could not edit/);
  });

  it('adds <NAME>_SERVICE_URL after the last one in dev and start, once', () => {
    const turbo = JSON.stringify({
      tasks: { dev: { passThroughEnv: ['A_SERVICE_URL', 'JWT_SECRET'] }, start: { passThroughEnv: ['A_SERVICE_URL'] } },
    });
    const once = JSON.parse(addTurboEnv(turbo, names));
    expect(once.tasks.dev.passThroughEnv).toEqual(['A_SERVICE_URL', 'CART_ITEMS_SERVICE_URL', 'JWT_SECRET']);
    expect(JSON.parse(addTurboEnv(JSON.stringify(once), names)).tasks.start.passThroughEnv).toEqual([
      'A_SERVICE_URL',
      'CART_ITEMS_SERVICE_URL',
    ]);
  });

  it('copies a posts file with names and port replaced and the USERS_SERVICE_URL lines dropped', () => {
    const text = [
      '# Where the service listens (the gateway POSTS_SERVICE_URL points here).',
      'PORT=8003',
      '# The users service: posts polls its user-event feed, with its own credential.',
      'USERS_SERVICE_URL=http://127.0.0.1:8002',
      "# This service's own private key (identity `posts`).",
      '# The users service (USERS_SERVICE_URL) trusts its public key as POSTS_SERVICE_PUBLIC_KEY.',
      'SERVICE_PRIVATE_KEY=',
      'DATABASE_URL=postgres://h/basis_posts',
      'export type PostsClient = TRPCClient<PostsRouter>; // apps/posts, POSTS_AUDIENCE',
    ].join('\n');
    expect(fromPosts(text, names, 8004)).toBe(
      [
        '# Where the service listens (the gateway CART_ITEMS_SERVICE_URL points here).',
        'PORT=8004',
        "# This service's own private key (identity `cart-items`).",
        'SERVICE_PRIVATE_KEY=',
        'DATABASE_URL=postgres://h/basis_cart_items',
        'export type CartItemsClient = TRPCClient<CartItemsRouter>; // apps/cart-items, CART_ITEMS_AUDIENCE',
      ].join('\n'),
    );
  });

  it('adds its key and database to the root .env.example, and its name to the key loops', () => {
    const example = [
      '#   for app in gateway users posts; do openssl genpkey -out $app-service.pem; done',
      '# POSTS_SERVICE_PRIVATE_KEY=',
      '# GATEWAY_SERVICE_PUBLIC_KEY=',
      'POSTS_DB=basis_posts',
      '',
    ].join('\n');
    expect(addRootEnvExample(example, names)).toBe(
      [
        '#   for app in gateway users posts cart-items; do openssl genpkey -out $app-service.pem; done',
        '# POSTS_SERVICE_PRIVATE_KEY=',
        '# CART_ITEMS_SERVICE_PRIVATE_KEY=',
        '# GATEWAY_SERVICE_PUBLIC_KEY=',
        'POSTS_DB=basis_posts',
        'CART_ITEMS_DB=basis_cart_items',
        '',
      ].join('\n'),
    );
    expect(() => addRootEnvExample('POSTS_DB=x\n', names)).toThrow(/could not edit/);
  });

  it("adds the commands creating its Kubernetes Secrets to the README, after posts'", () => {
    const readme = [
      'for app in gateway users posts; do openssl genpkey -out $app-service.pem; done',
      'kubectl -n basis create secret generic posts-service-key --from-file=SERVICE_PRIVATE_KEY=posts-service.pem',
      'kubectl -n basis create secret generic posts-database \\',
      "  --from-literal=DATABASE_URL='postgres://posts:PASSWORD@db.example.com:5432/posts'",
      '',
    ].join('\n');
    expect(addReadmeSecrets(readme, names).split('\n')).toEqual([
      'for app in gateway users posts cart-items; do openssl genpkey -out $app-service.pem; done',
      'kubectl -n basis create secret generic posts-service-key --from-file=SERVICE_PRIVATE_KEY=posts-service.pem',
      'kubectl -n basis create secret generic cart-items-service-key --from-file=SERVICE_PRIVATE_KEY=cart-items-service.pem',
      'kubectl -n basis create secret generic posts-database \\',
      "  --from-literal=DATABASE_URL='postgres://posts:PASSWORD@db.example.com:5432/posts'",
      'kubectl -n basis create secret generic cart-items-database \\',
      "  --from-literal=DATABASE_URL='postgres://cart_items:PASSWORD@db.example.com:5432/cart_items'",
      '',
    ]);
  });

  it("keeps the gateway's depends_on in alphabetical order", () => {
    const compose = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
    const gateway = addComposeService(compose, names, 8004).split('\n  gateway:\n')[1] ?? '';
    const dependsOn = /depends_on:\n((?: {6}.*\n| {8}.*\n)+)/.exec(gateway)?.[1] ?? '';
    const keys = [...dependsOn.matchAll(/^ {6}([a-z0-9-]+):$/gm)].map((match) => match[1]);
    expect(keys).toContain('cart-items');
    expect(keys).toEqual([...keys].sort());
  });
});
