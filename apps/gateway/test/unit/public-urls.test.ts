import { describe, expect, it } from 'vitest';
import { wantsPrettyLogs } from '../../src/http/logging.js';
import { publicUrls, startupBanner } from '../../src/http/public-urls.js';

describe('publicUrls', () => {
  it('prints localhost for the wildcard HOST 0.0.0.0, so the URL opens in a browser', () => {
    expect(publicUrls('0.0.0.0', 8001)).toEqual({
      origin: 'http://localhost:8001',
      rest: 'http://localhost:8001/api/v1',
      docs: 'http://localhost:8001/docs',
      redoc: 'http://localhost:8001/redoc',
      openapi: 'http://localhost:8001/openapi.json',
    });
    expect(publicUrls('::', 9000).origin).toBe('http://localhost:9000');
  });

  it('keeps a named host and brackets an IPv6 literal', () => {
    expect(publicUrls('127.0.0.1', 8001).origin).toBe('http://127.0.0.1:8001');
    expect(publicUrls('::1', 8001).origin).toBe('http://[::1]:8001');
  });

  it('puts every URL on a line of its own in the banner', () => {
    const lines = startupBanner(publicUrls('0.0.0.0', 8001)).split('\n');
    expect(lines.map((line) => line.trim().split(/\s+/).at(-1))).toEqual([
      'http://localhost:8001',
      'http://localhost:8001/api/v1',
      'http://localhost:8001/docs',
      'http://localhost:8001/redoc',
      'http://localhost:8001/openapi.json',
    ]);
  });
});

describe('wantsPrettyLogs', () => {
  it('formats logs for people only in development; production and tests get JSON lines', () => {
    expect(wantsPrettyLogs('development')).toBe(true);
    expect(wantsPrettyLogs('production')).toBe(false);
    expect(wantsPrettyLogs('test')).toBe(false);
  });
});
