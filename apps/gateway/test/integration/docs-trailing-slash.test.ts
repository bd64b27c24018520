import { describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway.js';

describe('the documentation pages with a trailing slash (/docs/ answered 200, /redoc/ answered 404)', () => {
  it('serve /redoc/ as /redoc and /docs/ as /docs, each with its page', async () => {
    // Nothing is called upstream: the pages and the document are the gateway's own.
    await using gateway = await startGateway({});
    const redoc = await fetch(`${gateway.url}/redoc`);
    const redocSlash = await fetch(`${gateway.url}/redoc/`);
    expect(redocSlash.status).toBe(200);
    expect(redocSlash.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await redocSlash.text()).toBe(await redoc.text());
    for (const path of ['/docs', '/docs/']) {
      const docs = await fetch(`${gateway.url}${path}`, { redirect: 'follow' });
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain('swagger-ui');
    }
  });
});
