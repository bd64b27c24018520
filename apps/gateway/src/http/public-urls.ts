import { REST_BASE_PATH } from '../openapi.js';

/** The addresses a developer opens once the gateway listens. */
export interface PublicUrls {
  origin: string;
  rest: string;
  docs: string;
  redoc: string;
  openapi: string;
}

/**
 * The gateway's URLs for people, from where it listens. A wildcard host (`0.0.0.0`, `::`) is
 * not an address a browser can open, so it becomes `localhost`; IPv6 literals get brackets.
 * @param host the `HOST` it listens on, e.g. `0.0.0.0`
 * @param port the port it actually listens on (differs from `PORT` when that is 0)
 * @example publicUrls('0.0.0.0', 8001).docs // 'http://localhost:8001/docs'
 * @see RFC 3986 §3.2.2 (IP literals in brackets)
 */
export function publicUrls(host: string, port: number): PublicUrls {
  const wildcard = host === '0.0.0.0' || host === '::' || host === '[::]';
  const name = wildcard ? 'localhost' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const origin = `http://${name}:${port}`;
  return {
    origin,
    rest: `${origin}${REST_BASE_PATH}`,
    docs: `${origin}/docs`,
    redoc: `${origin}/redoc`,
    openapi: `${origin}/openapi.json`,
  };
}

/**
 * The start-up banner: one line per URL, so each is clickable in a terminal.
 * @param urls from {@link publicUrls}
 */
export function startupBanner(urls: PublicUrls): string {
  return [
    `gateway ready on ${urls.origin}`,
    `  REST API      ${urls.rest}`,
    `  Swagger UI    ${urls.docs}`,
    `  Redoc         ${urls.redoc}`,
    `  OpenAPI JSON  ${urls.openapi}`,
  ].join('\n');
}
