import { argv, env } from 'node:process';
import { pathToFileURL } from 'node:url';

/** Where the examples look for the gateway when no URL is given: `npm run dev` serves it here. */
export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8001';

/**
 * The gateway origin an example runs against: the first argument
 * (`npm run rest -w examples -- http://host:port`), else `GATEWAY_URL`, else {@link DEFAULT_GATEWAY_URL}.
 * @param args the arguments after the script, `process.argv.slice(2)`
 * @param variables the environment, `process.env`
 */
export function gatewayUrl(args: readonly string[], variables: Readonly<Record<string, string | undefined>>): string {
  const given = args[0] ?? variables.GATEWAY_URL;
  return given !== undefined && given !== '' ? given : DEFAULT_GATEWAY_URL;
}

/**
 * Runs an example's `main` when its module is the program being run (`tsx src/rest.ts [url]`),
 * and not when a test imports it. The gateway origin comes from {@link gatewayUrl}: the first
 * argument, else `GATEWAY_URL`, else `http://127.0.0.1:8001`.
 * @param moduleUrl the example's `import.meta.url`
 * @param main the example, given the gateway origin, e.g. `http://127.0.0.1:8001`
 */
export function runIfMain(moduleUrl: string, main: (baseURL: string) => Promise<unknown>): void {
  const entry = argv[1];
  if (entry === undefined || pathToFileURL(entry).href !== moduleUrl) return;
  main(gatewayUrl(argv.slice(2), env)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

/**
 * A fresh, valid email for one run, so the examples can run again against the same database.
 * @param prefix the local part's prefix, e.g. `rest-example`
 */
export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}
