import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { EnvError } from './env.js';
import { rootCause } from './errors.js';
import { setDraining } from './http/health.js';
import { stopTracing } from './tracing/index.js';

/** Longest wait, after the drain delay, for in-flight requests and `close` before exiting 1, in ms. */
export const CLOSE_TIMEOUT_MS = 2500;

/** The signals that start a graceful shutdown: SIGTERM (Kubernetes, compose) and SIGINT (Ctrl-C). */
const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * A repeat of the signal that started the shutdown within this many milliseconds is the same request
 * delivered twice, not a second Ctrl-C: `turbo dev` signals a task's whole process group, and tsx watch
 * (or npm) passes the signal on to the process again, a few milliseconds later. It is ignored; a later
 * repeat still stops the process at once, with exit 1.
 */
export const REPEATED_SIGNAL_MS = 250;

/** What a service's `start` hands to {@link runService}. */
export interface StartedService {
  /** The built server, not yet listening. */
  app: FastifyInstance;
  port: number;
  host: string;
  /** Releases what the app does not own (the database), after `app.close()`. */
  close?: () => Promise<void>;
  /**
   * Milliseconds the server keeps serving after SIGTERM with `/readyz` at 503 (`shutdownDrainMs(env)`),
   * so a load balancer stops routing to it before it stops accepting; 0 by default.
   */
  drainMs?: number;
}

/** What {@link closeGracefully} closes. */
export interface GracefulClose {
  /** The listening server. */
  app: FastifyInstance;
  /** Milliseconds to keep serving, draining, before closing (see {@link StartedService.drainMs}). */
  drainMs: number;
  /** Marks `app` as draining: `/readyz` 503 and `Connection: close` (the kit's, or the gateway's own). */
  setDraining: (app: FastifyInstance) => void;
  /** Releases what the app does not own (the database), after `app.close()`. */
  close?: (() => Promise<void>) | undefined;
}

/**
 * Graceful shutdown (close-with-grace) on SIGTERM/SIGINT and on an uncaught error: marks the app draining,
 * keeps serving for `drainMs` (not after an uncaught error), closes it (idle keep-alive connections closed,
 * in-flight requests finished), runs `close`, exits 0; exits 1 on an uncaught error or when closing takes
 * over `drainMs` + {@link CLOSE_TIMEOUT_MS}. Spans still buffered (tracing) are exported last. A repeat of the first signal within {@link REPEATED_SIGNAL_MS}
 * is ignored (the same signal relayed); any other signal while closing exits 1 at once.
 * @param options see {@link GracefulClose}
 * @see https://github.com/mcollina/close-with-grace
 */
export function closeGracefully({ app, drainMs, setDraining, close }: GracefulClose): void {
  let first: { signal: (typeof SHUTDOWN_SIGNALS)[number]; at: number } | undefined;
  let closing = false;
  // close-with-grace handles the errors and the time limit; SIGINT and SIGTERM are handled below, since
  // its own handler exits 1 on any second signal, the relayed copy included.
  const closer = closeWithGrace(
    { delay: drainMs + CLOSE_TIMEOUT_MS, logger: app.log, skip: [...SHUTDOWN_SIGNALS] },
    async ({ signal, err }) => {
      closing = true;
      setDraining(app);
      if (err) app.log.error({ err }, 'closing after an uncaught error');
      else {
        app.log.info({ signal: signal ?? first?.signal, drainMs }, 'draining, then shutting down');
        await new Promise((resolve) => setTimeout(resolve, drainMs));
      }
      await app.close();
      await close?.();
      await stopTracing();
    },
  );
  for (const signal of SHUTDOWN_SIGNALS) {
    process.on(signal, () => {
      if (!closing && first === undefined) {
        first = { signal, at: Date.now() };
        closer.close();
      } else if (signal !== first?.signal || Date.now() - first.at >= REPEATED_SIGNAL_MS) {
        app.log.error(`second ${signal}, exiting`);
        process.exit(1);
      }
    });
  }
}

/**
 * The whole life of a service process, for its `main.ts`: runs `start` (parse the environment, open the
 * database, build the server), registers graceful shutdown ({@link closeGracefully}), and listens. On SIGTERM/SIGINT it drains:
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
    closeGracefully({ app, drainMs, setDraining, close });
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
