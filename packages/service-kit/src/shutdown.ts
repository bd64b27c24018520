import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { EnvError } from './env.js';
import { rootCause } from './errors.js';
import { setDraining } from './http/health.js';
import { stopTracing } from './tracing/index.js';

/** Longest wait, after the drain delay, for in-flight requests and `close` before exiting 1, in ms. */
export const CLOSE_TIMEOUT_MS = 2500;

/** What a service's `start` hands to {@link runService}. */
export interface StartedService {
  /** The built server, not yet listening. */
  app: FastifyInstance;
  port: number;
  host: string;
  /** Releases what the app does not own (the database), after `app.close()`. */
  close?: () => Promise<void>;
  /**
   * Milliseconds the server keeps serving after SIGTERM with `/readyz` at 503 (`SHUTDOWN_DRAIN_MS`),
   * so a load balancer stops routing to it before it stops accepting; 0 by default.
   */
  drainMs?: number;
}

/**
 * The whole life of a service process, for its `main.ts`: runs `start` (parse the environment, open the
 * database, build the server), registers graceful shutdown, and listens. On SIGTERM/SIGINT it drains:
 * `/readyz` answers 503 at once and every response says `Connection: close` while the server keeps
 * serving for `drainMs`; then it stops accepting, closes idle keep-alive connections, finishes in-flight
 * requests, runs `close`, exports the spans still buffered (tracing), and exits 0 (1 on an uncaught error, which skips the drain, or when closing
 * takes over `drainMs` + {@link CLOSE_TIMEOUT_MS}). A failed start exits 1 with one line on
 * stderr: an `EnvError`'s message as is, anything else as `<name> service failed to start: <reason> (<code>)`.
 * @param name the service's name, for those lines (`users`, `posts`)
 * @param start builds the service
 * @see https://github.com/mcollina/close-with-grace
 */
export function runService(name: string, start: () => Promise<StartedService>): void {
  const run = async () => {
    const { app, port, host, close, drainMs = 0 } = await start();
    closeWithGrace({ delay: drainMs + CLOSE_TIMEOUT_MS, logger: app.log }, async ({ signal, err }) => {
      setDraining(app);
      if (err) app.log.error({ err }, 'closing after an uncaught error');
      else {
        app.log.info({ signal, drainMs }, 'draining, then shutting down');
        await new Promise((resolve) => setTimeout(resolve, drainMs));
      }
      await app.close();
      await close?.();
      await stopTracing();
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
