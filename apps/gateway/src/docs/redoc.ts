import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { DOCS_CSP } from './csp.js';

const require = createRequire(import.meta.url);

/** The remote logo Redoc 2's footer loads; the served bundle points it at our own copy instead. */
const REMOTE_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';
const LOCAL_LOGO = '/redoc/logo-mini.svg';
/** A plain stand-in for the footer logo, so the page makes no request off this origin. */
const LOGO_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#dc143c"/></svg>';

/** The Redoc page: the standalone bundle from the local `redoc` package, pointed at the document. */
function redocPage(title: string, specUrl: string, bundleUrl: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<redoc spec-url="${specUrl}" hide-download-button="false"></redoc>
<script src="${bundleUrl}"></script>
</body>
</html>
`;
}

/**
 * Registers `GET /redoc` and `GET /redoc/` (the page) and `GET /redoc/redoc.standalone.js` (redoc 2.5's
 * standalone bundle, read once from node_modules and served from memory as bytes, with its one remote
 * asset, the footer logo, pointed at `GET /redoc/logo-mini.svg`).
 * @param app the Fastify instance
 * @param opts `title` of the page, `specUrl` of the OpenAPI document
 * @throws when the `redoc` package is not installed (at registration, not per request)
 */
export async function registerRedoc(app: FastifyInstance, opts: { title: string; specUrl: string }): Promise<void> {
  const source = await readFile(require.resolve('redoc/bundles/redoc.standalone.js'), 'utf8');
  // Kept as UTF-8 bytes (1.1 MB outside the JS heap), not as a string: the bundle has non-Latin-1
  // characters, so V8 would hold it two bytes per character (2.1 MB) and encode it on every send.
  const bundle = Buffer.from(source.replaceAll(REMOTE_LOGO, LOCAL_LOGO), 'utf8');
  const page = redocPage(opts.title, opts.specUrl, '/redoc/redoc.standalone.js');
  // `/redoc/` too, as Swagger UI answers `/docs/`: the page's URLs are absolute, so both render it.
  for (const url of ['/redoc', '/redoc/'])
    app.get(url, (_request, reply) =>
      reply.type('text/html; charset=utf-8').header('content-security-policy', DOCS_CSP).send(page),
    );
  app.get('/redoc/redoc.standalone.js', (_request, reply) =>
    reply.type('application/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(bundle),
  );
  app.get(LOCAL_LOGO, (_request, reply) =>
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(LOGO_SVG),
  );
}
