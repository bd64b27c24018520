import { describe, expect, it } from 'vitest';
import { startFakeUpstream } from '../helpers/fake-upstream.js';
import { startGateway } from '../helpers/gateway.js';

/**
 * Leftover report: while a service was down, every `/readyz` probe (a load balancer's, every few seconds)
 * logged `upstream service is not ready` again. Now a state change is logged once: down once, up once.
 */
describe('the gateway logging upstream readiness while users is down, then back (log noise report)', () => {
  it('warns once when users goes down and logs once when it is ready again, whatever the number of probes', async () => {
    let ready = true;
    await using upstream = await startFakeUpstream((req, res) => {
      res.statusCode = req.url === '/readyz' && ready ? 200 : 503;
      res.end('{}');
    });
    const lines: Record<string, unknown>[] = [];
    await using gateway = await startGateway(
      { USERS_SERVICE_URL: upstream.url, POSTS_SERVICE_URL: upstream.url },
      { logger: { level: 'info', stream: { write: (line: string) => void lines.push(JSON.parse(line)) } } },
    );
    const probe = async () => {
      const response = await fetch(`${gateway.url}/readyz`);
      expect(response.status).toBe(200);
      return ((await response.json()) as { upstreams: { users: { state: string } } }).upstreams.users.state;
    };
    const aboutUsers = () =>
      lines.filter((line) => line.service === 'users').map((line) => [line.level, line.msg, line.state ?? line.was]);

    expect(await probe()).toBe('up');
    ready = false;
    for (let i = 0; i < 4; i++) expect(await probe()).toBe('down');
    ready = true;
    for (let i = 0; i < 3; i++) expect(await probe()).toBe('up');

    expect(aboutUsers()).toEqual([
      [40, 'upstream service is not ready', 'down'],
      [30, 'upstream service is ready again', 'down'],
    ]);
  });
});
