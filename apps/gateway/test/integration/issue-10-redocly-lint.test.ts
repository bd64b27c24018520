import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { startGateway } from '../helpers/gateway.js';

// Regression test for issue 10's lint item: Redocly's `recommended` rules reported 4 errors
// (`security-defined`: public routes declared no `security: []`) and 1 warning (`info-license`) on the
// generated document. This runs the installed @redocly/cli (a devDependency; telemetry off, no network)
// on the /openapi.json a real gateway serves.

const REDOCLY = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; message: string; location?: { pointer?: string }[] }[];
}

describe('npx @redocly/cli lint on GET /openapi.json', () => {
  it('reports no error and no warning with the recommended rules', async () => {
    await using gateway = await startGateway({ USERS_SERVICE_URL: inject('usersUrl') });
    const doc = await (await fetch(`${gateway.url}/openapi.json`)).text();
    const dir = await mkdtemp(join(tmpdir(), 'basis-redocly-'));
    try {
      const file = join(dir, 'openapi.json');
      await writeFile(file, doc);
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [REDOCLY, 'lint', file, '--extends=recommended', '--format=json'],
        {
          cwd: dir,
          env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', CI: 'true' },
          timeout: 60_000,
        },
      ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
      const report = JSON.parse(stdout) as LintReport;
      const problems = report.problems.map(
        (problem) => `${problem.ruleId} at ${problem.location?.[0]?.pointer ?? '?'}: ${problem.message}`,
      );
      expect(problems).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
