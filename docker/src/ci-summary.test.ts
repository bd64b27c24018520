import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, readRepoFile } from './repo.js';

/** A `turbo test` log as CI sees it: vitest's coloured per-workspace Tests lines, prefixed by turbo. */
const LOG = [
  '@basis/client:test:       \u001b[2mTests \u001b[22m \u001b[1m\u001b[32m38 passed\u001b[39m\u001b[22m\u001b[90m (38)\u001b[39m',
  '@basis/gateway:test:       Tests  1 failed | 150 passed | 2 skipped (153)',
  '@basis/users:test:       Tests  60 passed | 1 skipped (61)',
  'some other line mentioning Tests 99 passed',
  '',
].join('\n');

function summarize(log: string) {
  return spawnSync('bash', [join(REPO_ROOT, '.ci/summarize')], { input: log, encoding: 'utf8' });
}

describe('.ci/run ending with "tests: 248 passed, 1 failed, 3 skipped"', () => {
  it('ends with exactly `tests: N passed, M failed`, the skipped count on the line before', () => {
    const run = summarize(LOG);
    expect(run.status).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toEqual(['skipped: 3', 'tests: 248 passed, 1 failed']);
  });

  it('counts nothing as 0 passed, 0 failed', () => {
    expect(summarize('no vitest here\n').stdout.trimEnd().split('\n').at(-1)).toBe('tests: 0 passed, 0 failed');
  });

  it('prints that summary last in .ci/run', () => {
    const lines = readRepoFile('.ci/run').trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^if \[/);
    const printed = lines.filter((line) => /^\s*echo /.test(line));
    expect(printed.at(-1)).toBe('echo "$summary"');
    expect(readRepoFile('.ci/run')).toContain('summary=$(bash .ci/summarize "$log")');
  });
});
