import { describe, expect, it } from 'vitest';
import { addGatewayService, addTurboEnv, fromPosts, namesOf, nextPort, validateName } from '../src/edits.js';

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
      '# The users service (user events, for deleting a deleted user posts).',
      'USERS_SERVICE_URL=http://127.0.0.1:8002',
      'DATABASE_URL=postgres://h/basis_posts',
      'export type PostsClient = TRPCClient<PostsRouter>; // apps/posts, POSTS_AUDIENCE',
    ].join('\n');
    expect(fromPosts(text, names, 8004)).toBe(
      [
        '# Where the service listens (the gateway CART_ITEMS_SERVICE_URL points here).',
        'PORT=8004',
        'DATABASE_URL=postgres://h/basis_cart_items',
        'export type CartItemsClient = TRPCClient<CartItemsRouter>; // apps/cart-items, CART_ITEMS_AUDIENCE',
      ].join('\n'),
    );
  });
});
