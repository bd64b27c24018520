import { describe, expect, it } from 'vitest';
import { readRepoFile } from './repo.js';

const COMPOSE = readRepoFile('docker-compose.yml');
const EXAMPLE = readRepoFile('.env.example');

/** `${NAME}`, `${NAME:-default}`, `${NAME:?message}` …, but not `$${NAME}` (escaped for the container's shell). */
const interpolated = new Set([...COMPOSE.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]));
/** Names the file documents: set (`NAME=…`) or shown commented out (`# NAME=…`). */
const documented = new Set([...EXAMPLE.matchAll(/^(?:#\s*)?([A-Za-z_][A-Za-z0-9_]*)=/gm)].map((match) => match[1]));

describe('.env.example at the root against docker-compose.yml', () => {
  it('documents every variable docker-compose.yml interpolates', () => {
    expect(interpolated.size).toBeGreaterThan(0);
    expect([...interpolated].filter((name) => !documented.has(name))).toEqual([]);
  });

  it('documents no variable docker-compose.yml does not read', () => {
    expect([...documented].filter((name) => !interpolated.has(name))).toEqual([]);
  });

  it('leaves the required secrets for each install to generate, never a shared value', () => {
    for (const secret of [
      'JWT_SECRET',
      'GATEWAY_SERVICE_PRIVATE_KEY',
      'USERS_SERVICE_PRIVATE_KEY',
      'POSTS_SERVICE_PRIVATE_KEY',
      'GATEWAY_SERVICE_PUBLIC_KEY',
      'POSTS_SERVICE_PUBLIC_KEY',
    ]) {
      expect(COMPOSE).toContain(`\${${secret}:?`);
      expect(EXAMPLE).not.toMatch(new RegExp(`^${secret}=`, 'm'));
    }
  });
});

describe('.dockerignore and the per-app .env files of npm run dev', () => {
  it('keeps apps/*/.env out of the build context, and every .env.example in it', () => {
    const lines = readRepoFile('.dockerignore').split('\n');
    for (const pattern of ['**/.env', '**/.env.*', '!**/.env.example']) expect(lines).toContain(pattern);
  });
});
