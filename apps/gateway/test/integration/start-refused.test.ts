import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The gateway's service-credential key, so each case fails on the variable it is about. */
const SERVICE_PRIVATE_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

/** Runs the gateway's entry point as `npm start` would, with exactly `env` (plus PATH), and waits for it to exit. */
function start(env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', MAIN], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('starting the gateway in production with an asymmetric algorithm and no key', { timeout: 60_000 }, () => {
  it('exits 1 naming SERVICE_PRIVATE_KEY when the service-credential key is missing', () => {
    const result = start({ NODE_ENV: 'production', JWT_SECRET: 's'.repeat(32) });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('SERVICE_PRIVATE_KEY: required when NODE_ENV=production');
  });

  it('exits 1 naming JWT_PRIVATE_KEY, before listening', () => {
    const result = start({ NODE_ENV: 'production', JWT_ALGORITHM: 'ES256', SERVICE_PRIVATE_KEY });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('JWT_PRIVATE_KEY: required when NODE_ENV=production and JWT_ALGORITHM=ES256');
    expect(result.stdout).not.toMatch(/listening/);
  });

  it('exits 1 naming JWT_PRIVATE_KEY when it is not a key, without echoing the value', () => {
    const value = 'not-a-pem-but-looks-secret-0123456789';
    const result = start({
      NODE_ENV: 'production',
      JWT_ALGORITHM: 'RS256',
      JWT_PRIVATE_KEY: value,
      SERVICE_PRIVATE_KEY,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('JWT_PRIVATE_KEY: is not a PEM private key');
    expect(result.stderr).not.toContain(value);
  });
});
