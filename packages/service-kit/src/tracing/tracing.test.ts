import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/index.js';
import { type OtlpReceiver, startOtlpReceiver } from '../test/otlp-receiver.js';
import { inSpan, startTracing, stopTracing, tracingEnabled } from './index.js';

// The kit's tracing in one process: off without an endpoint; on, a span and the database query made
// inside it reach an OTLP/HTTP receiver, linked, when tracing stops (the flush on shutdown).

let receiver: OtlpReceiver;
let migrations: string;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  migrations = await mkdtemp(join(tmpdir(), 'basis-kit-tracing-'));
  await mkdir(join(migrations, 'meta'));
  await writeFile(
    join(migrations, 'meta', '_journal.json'),
    JSON.stringify({ version: '7', dialect: 'postgresql', entries: [] }),
  );
});

afterAll(async () => {
  await stopTracing();
  await receiver?.close();
  await rm(migrations, { recursive: true, force: true });
});

describe('startTracing', () => {
  it('leaves tracing off without OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    expect(await startTracing('kit-test', {})).toBe(false);
    expect(await startTracing('kit-test', { OTEL_EXPORTER_OTLP_ENDPOINT: undefined })).toBe(false);
    expect(tracingEnabled()).toBe(false);
  });

  it('exports a span and the query made inside it, as parent and child, when tracing stops', async () => {
    const db = await openDatabase({ schema: {}, migrationsFolder: migrations, pgliteDataDir: 'memory://' });
    try {
      // A query before tracing starts, and one outside any span once it has: neither makes a span.
      await db.db.execute(sql`select 'before'`);
      expect(await startTracing('kit-test', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url })).toBe(true);
      expect(tracingEnabled()).toBe(true);
      await db.db.execute(sql`select 'outside'`);
      await inSpan('unit of work', { 'work.kind': 'test' }, async () => {
        await db.db.execute(sql`select ${42} as answer`);
      });
      await expect(
        inSpan('failing work', {}, async () => {
          await db.db.execute(sql`select * from no_such_table`);
        }),
      ).rejects.toThrow();
    } finally {
      await db.close();
    }
    await stopTracing();
    expect(tracingEnabled()).toBe(false);

    const spans = receiver.spans();
    expect(new Set(spans.map((span) => span.service))).toEqual(new Set(['kit-test']));
    expect(spans.map((span) => span.name).sort()).toEqual(['SELECT', 'SELECT', 'failing work', 'unit of work']);
    const work = spans.find((span) => span.name === 'unit of work');
    const query = spans.find((span) => span.name === 'SELECT' && span.parentSpanId === work?.spanId);
    expect(work?.attributes).toEqual({ 'work.kind': 'test' });
    expect(query).toMatchObject({ traceId: work?.traceId, kind: 3 });
    expect(query?.attributes).toEqual({ 'db.system.name': 'postgresql', 'db.query.text': 'select $1 as answer' });
    const failing = spans.find((span) => span.name === 'failing work');
    const failed = spans.find((span) => span.name === 'SELECT' && span.parentSpanId === failing?.spanId);
    expect(failed?.attributes['db.query.text']).toBe('select * from no_such_table');
  });
});
