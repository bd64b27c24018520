import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../src/auth/passwords.js';
import { ensureBootstrapAdmin } from '../src/bootstrap.js';
import { MIGRATIONS_FOLDER, openDatabase } from '../src/db/client.js';
import { UsersRepository } from '../src/repositories/users.js';
import { testDrivers } from './support/databases.js';
import { startServer } from './support/server.js';

/** A temporary directory removed on dispose. */
async function temporaryDirectory(): Promise<AsyncDisposable & { path: string }> {
  const path = await mkdtemp(join(tmpdir(), 'basis-users-'));
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}

describe('persistence', () => {
  it('keeps users across a restart with the same PGLITE_DATA_DIR', async () => {
    await using dir = await temporaryDirectory();
    const dataDir = join(dir.path, 'nested', 'users');
    {
      const db = await openDatabase({ pgliteDataDir: dataDir });
      try {
        await using server = await startServer(db);
        await server.client().users.create.mutate({ email: 'kept@example.com', password: 'correct horse' });
      } finally {
        await db.close();
      }
    }
    const db = await openDatabase({ pgliteDataDir: dataDir });
    try {
      await using server = await startServer(db);
      const { client } = await server.login({ id: 1, role: 'user' });
      const page = await client.users.list.query({});
      expect(page.items.map((user) => user.email)).toEqual(['kept@example.com']);
    } finally {
      await db.close();
    }
  });

  it('finds the committed migrations next to src and dist', () => {
    expect(existsSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'))).toBe(true);
    expect(MIGRATIONS_FOLDER).toBe(join(import.meta.dirname, '..', 'drizzle'));
  });
});

describe.each(testDrivers)('bootstrap admin on $name', (driver) => {
  it('creates the admin once, then promotes and reactivates it without touching its password', async () => {
    await using database = await driver.open();
    const users = new UsersRepository(database.handle.db);
    const credentials = { email: 'root@example.com', password: 'bootstrap password' };

    const first = await ensureBootstrapAdmin(users, credentials);
    expect(first).toMatchObject({ created: true, user: { role: 'admin', isActive: true } });
    const again = await ensureBootstrapAdmin(users, credentials);
    expect(again).toMatchObject({ created: false, user: { id: first.user.id } });

    // An operator's change in the database itself (the repository refuses to demote the last active admin).
    const { users: usersTable } = await import('../src/db/schema.js');
    await database.handle.db.update(usersTable).set({ role: 'user', isActive: false });
    const restored = await ensureBootstrapAdmin(users, { ...credentials, password: 'a different password' });
    expect(restored).toMatchObject({ created: false, user: { id: first.user.id, role: 'admin', isActive: true } });
    expect(await verifyPassword(restored.user.passwordHash, 'bootstrap password')).toBe(true);
    expect(await database.handle.db.$count((await import('../src/db/schema.js')).users)).toBe(1);
  });
});
