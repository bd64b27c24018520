import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';

/** The built users service entry; the gateway never imports it, tests run it as a process. */
const USERS_MAIN = fileURLToPath(new URL('../../../users/dist/main.js', import.meta.url));

/** The bootstrap admin every test users service starts with. */
export const ADMIN = { email: 'admin@example.com', password: 'admin-password-123' } as const;

/** A running users service (PGlite in memory) on its own port. */
export interface UsersService extends AsyncDisposable {
  url: string;
  port: number;
  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`users service exited (${child.exitCode}):\n${output()}`);
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`users service did not become healthy in 30 s:\n${output()}`);
}

/**
 * Starts `node apps/users/dist/main.js` on a free port with PGlite in memory and a bootstrap
 * admin ({@link ADMIN}), and waits for its `/healthz`.
 * @param env extra variables (e.g. `SERVICE_PRIVATE_KEY`)
 * @throws when the service is not built (`npm run build -w apps/users`) or does not start in 30 s
 */
export async function startUsersService(env: Record<string, string> = {}): Promise<UsersService> {
  if (!existsSync(USERS_MAIN)) throw new Error(`${USERS_MAIN} is missing: run \`npm run build -w apps/users\` first`);
  const port = await freePort();
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [USERS_MAIN], {
    env: {
      ...inherited,
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      PGLITE_DATA_DIR: 'memory://',
      LOG_LEVEL: 'warn',
      BOOTSTRAP_ADMIN_EMAIL: ADMIN.email,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitForHealth(url, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, stop, [Symbol.asyncDispose]: stop };
}
