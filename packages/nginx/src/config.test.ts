import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findNginx } from './binary.js';
import { nginxArgs, writeNginxConfig } from './config.js';

const nginx = findNginx();
if (nginx === null) console.warn('[nginx] `nginx -t` skipped: nginx is not installed');

describe('writeNginxConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'basis-nginx-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const http = `  access_log off;
  upstream app {
    server 127.0.0.1:9;
    keepalive 8;
  }
  server {
    listen 127.0.0.1:1;  # nginx -t checks the config; it never listens
    location / {
      proxy_pass http://app;
    }
  }`;
  const conf = writeNginxConfig(dir, http, { writtenBy: 'the @basis/nginx test', workers: 2 });

  it('keeps every file nginx writes under the directory, in the foreground', () => {
    const text = readFileSync(conf, 'utf8');
    expect(text).toContain('daemon off;');
    expect(text).toContain('worker_processes 2;');
    const paths = [...text.matchAll(/^\s*(?:pid|error_log|\w+_temp_path) (\S+?);?(?: \w+;)?$/gm)].map((m) => m[1]);
    expect(paths).toHaveLength(7);
    for (const path of paths) expect(path?.startsWith(dir)).toBe(true);
    expect(nginxArgs(dir, conf)).toEqual(['-p', dir, '-e', join(dir, 'error.log'), '-c', conf]);
  });

  it.skipIf(nginx === null)('is a config nginx accepts (nginx -t)', () => {
    const check = spawnSync(String(nginx), nginxArgs(dir, conf, true), { encoding: 'utf8' });
    expect(check.stderr).not.toMatch(/emerg/);
    expect(check.status, check.stderr).toBe(0);
  });
});
