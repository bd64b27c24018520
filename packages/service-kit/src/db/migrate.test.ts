import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { createTemporaryDatabase, TEST_DATABASE_URL } from '../test/databases.js';
import { migratePostgresDatabase } from './migrate.js';

if (!TEST_DATABASE_URL) console.warn('[migrate] PostgreSQL part skipped: TEST_DATABASE_URL is not set');

/** A drizzle-kit migrations folder with one migration of two statements. */
function migrationsFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'basis-migrations-'));
  mkdirSync(join(dir, 'meta'));
  writeFileSync(
    join(dir, 'meta', '_journal.json'),
    JSON.stringify({
      version: '7',
      dialect: 'postgresql',
      entries: [{ idx: 0, version: '7', when: 1, tag: '0000_init', breakpoints: true }],
    }),
  );
  writeFileSync(
    join(dir, '0000_init.sql'),
    'CREATE TABLE "things" ("id" serial PRIMARY KEY NOT NULL);\n--> statement-breakpoint\nCREATE INDEX "things_id" ON "things" ("id");\n',
  );
  return dir;
}

describe.skipIf(!TEST_DATABASE_URL)('migratePostgresDatabase on PostgreSQL', () => {
  const folder = migrationsFolder();
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('lets replicas that start together on a fresh database migrate it once, all of them starting', async () => {
    const database = await createTemporaryDatabase(String(TEST_DATABASE_URL));
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 4 }, () => migratePostgresDatabase(database.url, folder)),
      );
      expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
      const sql = postgres(database.url, { max: 1, onnotice: () => {} });
      try {
        const applied = await sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
        expect(applied[0]?.n).toBe(1);
      } finally {
        await sql.end({ timeout: 5 });
      }
    } finally {
      await database.drop();
    }
  });
});
