import type { FastifyInstance } from 'fastify';
import type { UpstreamState } from '../upstream/client.js';
import type { Upstreams } from '../upstream/registry.js';

/** Seconds a load balancer is told to wait (`Retry-After`) while the gateway drains. */
const DRAINING_RETRY_AFTER_SECONDS = 5;

/** Longest wait for one upstream's `/readyz`, in milliseconds (readiness probes have short timeouts). */
const PROBE_TIMEOUT_MS = 1000;

/** Whether each gateway instance is draining (set on shutdown). */
const draining = new WeakSet<FastifyInstance>();

/**
 * Marks a gateway as draining: from now on `/readyz` answers 503, so a load balancer stops sending
 * new requests while in-flight ones finish. Also set when the instance starts closing.
 * @param app the instance {@link registerHealth} was registered on
 */
export function setDraining(app: FastifyInstance): void {
  draining.add(app);
}

/**
 * `GET /healthz`: 200 while the process lives. `GET /readyz`: 200 while the gateway can serve,
 * whatever state its upstreams are in (one service down must not take the routes of the others out
 * of the load balancer), with each upstream's state in the body:
 * `{ status: 'ok', upstreams: { users: { state: 'up' | 'down' | 'circuit-open', url } … } }`;
 * 503 SERVICE_UNAVAILABLE with `Retry-After` only while the gateway drains ({@link setDraining}),
 * without probing anything.
 * Upstreams are probed in parallel (their own `/readyz`, at most 1 s each); while a circuit is open the
 * probe is its half-open trial (see `Upstream.probe`). A change of an upstream's state is logged once (a warning when it stops being
 * up, an info line when it is up again), not on every probe.
 * @see RFC 9110 §10.2.3 (Retry-After on 503)
 */
export function registerHealth(app: FastifyInstance, upstreams: Upstreams): void {
  /** The state each upstream was last probed in; unknown (taken as up) before its first probe. */
  const lastState = new Map<string, UpstreamState>();
  app.addHook('preClose', async () => {
    setDraining(app);
  });
  // While draining, every answer retires its keep-alive connection, so clients reconnect elsewhere.
  // A callback hook, not an async one: no promise per response on the hot path.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining.has(app)) void reply.header('connection', 'close');
    done(null, payload);
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    if (draining.has(app)) {
      return reply
        .status(503)
        .header('retry-after', String(DRAINING_RETRY_AFTER_SECONDS))
        .send({ code: 'SERVICE_UNAVAILABLE', message: 'The gateway is shutting down' });
    }
    const entries = await Promise.all(
      Object.entries(upstreams.byName).map(async ([name, upstream]) => {
        const state: UpstreamState = await upstream.probe(Math.min(PROBE_TIMEOUT_MS, upstream.timeoutMs));
        const previous = lastState.get(name) ?? 'up';
        lastState.set(name, state);
        if (state !== previous && state !== 'up')
          request.log.warn({ service: name, state }, 'upstream service is not ready');
        else if (state !== previous)
          request.log.info({ service: name, was: previous }, 'upstream service is ready again');
        return [name, { state }] as const;
      }),
    );
    return { status: 'ok', upstreams: Object.fromEntries(entries) };
  });
}
