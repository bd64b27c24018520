import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** A database made for one bench run; `drop()` removes it (idempotent). */
export interface BenchDatabase {
  /** Connection URL of the fresh database, for the users service's `DATABASE_URL`. */
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/**
 * Creates an empty database `basis_bench_<random hex>` on the server of `adminUrl` (a URL the
 * role of which may CREATE DATABASE, e.g. postgres://postgres@127.0.0.1:5432/postgres).
 * @returns its URL and a `drop()` that removes it with `WITH (FORCE)` (PostgreSQL ≥ 13).
 * @throws when the server refuses the connection or the statement.
 */
export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `basis_bench_${randomBytes(4).toString('hex')}`;
  const admin = (): postgres.Sql => postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  const sql = admin();
  try {
    await sql.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      const dropper = admin();
      try {
        await dropper.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end({ timeout: 5 });
      }
    },
  };
}
