/**
 * `tsx bench/src/profile-summary.ts <file.cpuprofile> [--top N] [--grep TEXT]
 * [--callers TEXT [--depth N]]`: prints where a
 * V8 CPU profile spent its time (see profile.ts), each row with its share of the samples that
 * were not idle.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type CpuProfile, type Row, summarize } from './profile.js';

function print(title: string, rows: readonly Row[], busyMs: number, top: number, grep: string | undefined): void {
  console.log(`\n${title}`);
  const shown = rows.filter((row) => grep === undefined || row.label.includes(grep)).slice(0, top);
  for (const row of shown) {
    console.log(
      `${row.ms.toFixed(1).padStart(9)} ms ${((100 * row.ms) / busyMs).toFixed(1).padStart(5)}%  ${row.label}`,
    );
  }
}

function cli(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      top: { type: 'string', default: '25' },
      grep: { type: 'string' },
      callers: { type: 'string' },
      depth: { type: 'string', default: '4' },
    },
  });
  const file = positionals[0];
  if (file === undefined) {
    console.error(
      'usage: tsx bench/src/profile-summary.ts <file.cpuprofile> [--top N] [--grep TEXT] [--callers TEXT [--depth N]]',
    );
    process.exit(2);
  }
  const summary = summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, {
    ...(values.callers === undefined ? {} : { callersOf: values.callers }),
    callerDepth: Number(values.depth),
  });
  const busy = summary.sampledMs - summary.idleMs;
  const top = Number(values.top);
  console.log(
    `${file}: ${summary.sampledMs.toFixed(0)} ms sampled, ${summary.idleMs.toFixed(0)} ms idle, ${busy.toFixed(0)} ms busy (percentages are of busy time)`,
  );
  print('self time by package', summary.packages, busy, top, values.grep);
  print('self time by function', summary.self, busy, top, values.grep);
  print('total (inclusive) time by function', summary.total, busy, top, values.grep);
  if (values.callers !== undefined) print(`callers of "${values.callers}"`, summary.callers, busy, top, undefined);
}

cli();
