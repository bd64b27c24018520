import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { EnvError } from './env.js';
import { rootCause } from './errors.js';

/** What a service's `start` hands to {@link runService}. */
export interface StartedService {
  /** The built server, not yet listening. */
  app: FastifyInstance;
  port: number;
  host: string;
  /** Releases what the app does not own (the database), after `app.close()`. */
  close?: () => Promise<void>;
}

/**
 * The whole life of a service process, for its `main.ts`: runs `start` (parse the environment, open the
 * database, build the server), registers graceful shutdown, and listens. On SIGTERM/SIGINT (or an
 * uncaught error) it stops accepting, finishes in-flight requests, runs `close`, and exits (0 on a
 * signal, 1 on an error or when closing takes over 10 s). A failed start exits 1 with one line on
 * stderr: an `EnvError`'s message as is, anything else as `<name> service failed to start: <reason> (<code>)`.
 * @param name the service's name, for those lines (`users`, `posts`)
 * @param start builds the service
 * @see https://github.com/mcollina/close-with-grace
 */
export function runService(name: string, start: () => Promise<StartedService>): void {
  const run = async () => {
    const { app, port, host, close } = await start();
    closeWithGrace({ delay: 10_000, logger: app.log }, async ({ signal, err }) => {
      if (err) app.log.error({ err }, 'closing after an uncaught error');
      else app.log.info({ signal }, 'shutting down');
      await app.close();
      await close?.();
    });
    const address = await app.listen({ port, host });
    app.log.info(`${name} service listening on ${address}`);
  };
  run().catch((error: unknown) => {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    const cause = rootCause(error);
    const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
    const reason = cause instanceof Error ? cause.message : String(cause);
    console.error(`${name} service failed to start: ${reason}${typeof code === 'string' ? ` (${code})` : ''}`);
    process.exit(1);
  });
}
