/** Where nginx listens and what it balances: one front for the gateways, one upstream per service. */
export interface NginxTopology {
  /** The front address the gateways see as their peer (their `TRUST_PROXY`), e.g. `127.0.0.10`. */
  frontHost: string;
  /** Front ports: both gateways (`lb`), gateway A only (`a`), gateway B only (`b`). */
  frontPorts: { lb: number; a: number; b: number };
  gateways: { a: string; b: string };
  /** Each service: the address:port nginx listens on for it, and its two replicas' address:port. */
  services: { name: string; listen: string; a: string; b: string }[];
  /** Path of the access log (one line per request: port, method, status, upstreams tried, their statuses). */
  accessLog: string;
}

/**
 * The `http { }` body of the replica test's nginx: a reverse proxy done the way an operator would
 * for rolling restarts without active health checks (nginx OSS has none), relying on the apps'
 * drain (`Connection: close` on every answer while `SHUTDOWN_DRAIN_MS` runs, then a closed port)
 * and passive retry:
 * - `proxy_next_upstream error timeout http_503`: a refused connection, a reset, a connection
 *   closed before the answer's header, or Fastify's 503 to a request that reached a closing server
 *   on a connection it had already accepted, sends the request to the other replica (GET and HEAD
 *   only: nginx never retries a POST that may have reached the first one);
 * - `max_fails=0`: a replica that failed is tried again on the next request (a refused loopback
 *   connection costs nothing). With `max_fails=1 fail_timeout=1s`, a replica that had just come back
 *   was still marked failed when the next one was stopped, and nginx answered 502 "no live upstreams";
 * - keep-alive pools (`keepalive 32`), HTTP/1.1 upstream with `Connection ""`;
 * - `proxy_bind <front>`: the gateways see the front's address, and trust its `X-Forwarded-For`;
 * - the header `x-basis-upstream: $upstream_addr` on front answers (which gateway answered; two
 *   addresses when nginx retried).
 */
export function nginxHttpBlock(topology: NginxTopology): string {
  const server = (address: string) => `    server ${address} max_fails=0;`;
  const pool = (name: string, addresses: string[]) => `  upstream ${name} {
${addresses.map(server).join('\n')}
    keepalive 32;
    keepalive_requests 1000000;
  }`;
  const { frontHost, frontPorts, gateways } = topology;
  const front = (port: number, upstream: string) => `  server {
    listen ${frontHost}:${port};
    proxy_bind ${frontHost};
    location / {
      proxy_pass http://${upstream};
      add_header x-basis-upstream $upstream_addr always;
    }
  }`;
  const internal = ({ name, listen }: { name: string; listen: string }) => `  server {
    listen ${listen};
    location / {
      proxy_pass http://${name};
    }
  }`;
  return `  log_format replicas '$server_port $request_method $status "$upstream_addr" "$upstream_status"';
  access_log ${topology.accessLog} replicas;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Host $host;
  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
  proxy_set_header X-Forwarded-Proto $scheme;
  proxy_next_upstream error timeout http_503;
  proxy_next_upstream_tries 3;
  proxy_next_upstream_timeout 10s;
  proxy_connect_timeout 2s;
  proxy_read_timeout 30s;

${pool('gateways', [gateways.a, gateways.b])}
${pool('gateway_a', [gateways.a])}
${pool('gateway_b', [gateways.b])}
${topology.services.map((service) => pool(service.name, [service.a, service.b])).join('\n')}

${front(frontPorts.lb, 'gateways')}
${front(frontPorts.a, 'gateway_a')}
${front(frontPorts.b, 'gateway_b')}
${topology.services.map(internal).join('\n')}`;
}
