import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ErrorCode, TokenResponse, User } from '@basis/contracts';

/** One request the stub received, as the tests inspect it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  body: unknown;
}

/** A canned answer that replaces the stub's next one. */
export interface CannedAnswer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/** Options of {@link startGatewayStub}. */
export interface GatewayStubOptions {
  /** Milliseconds `POST /auth/refresh` waits before answering, to overlap concurrent calls. */
  refreshDelayMs?: number;
}

/**
 * A tiny in-memory emulation of the gateway's REST API on a real `node:http` server on
 * port 0, with the gateway's status codes and error envelope. Tokens are opaque counters.
 */
export interface GatewayStub {
  /** The server's origin, `http://127.0.0.1:<port>`. */
  origin: string;
  /** Every request received, oldest first. */
  requests: RecordedRequest[];
  /** How many `POST /auth/refresh` calls arrived. */
  refreshCalls(): number;
  /** Makes every issued access token invalid, as if it had expired. */
  expireAccessTokens(): void;
  /** Makes every refresh token invalid too. */
  revokeRefreshTokens(): void;
  /** While on, every access token is refused with 401 (new ones too). */
  refuseAccessTokens(on: boolean): void;
  /** Makes answers to `path` wait `ms` milliseconds before the request is looked at. */
  delay(path: string, ms: number): void;
  /** Replaces the next answer (for any route) with this one. */
  answerNext(answer: CannedAnswer): void;
  close(): Promise<void>;
}

interface StoredUser extends User {
  password: string;
}

/**
 * Starts a {@link GatewayStub} with one registered user, `ada@example.com` /
 * `correct horse battery staple` (id 1, admin).
 */
export async function startGatewayStub(options: GatewayStubOptions = {}): Promise<GatewayStub> {
  const users = new Map<number, StoredUser>();
  const access = new Map<string, number>();
  const refresh = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  const canned: CannedAnswer[] = [];
  let counter = 0;
  let refreshCalls = 0;
  let refuseAll = false;
  const delays = new Map<string, number>();

  const now = new Date('2026-01-01T12:00:00.000Z').toISOString();
  const addUser = (email: string, password: string, role: User['role']): StoredUser => {
    const user: StoredUser = {
      id: users.size + 1,
      email,
      firstName: null,
      lastName: null,
      isActive: true,
      role,
      createdAt: now,
      updatedAt: now,
      password,
    };
    users.set(user.id, user);
    return user;
  };
  addUser('ada@example.com', 'correct horse battery staple', 'admin');

  const issue = (userId: number): TokenResponse => {
    counter += 1;
    const pair = {
      access_token: `access-${counter}`,
      refresh_token: `refresh-${counter}`,
      token_type: 'bearer' as const,
      expires_in: 900,
    };
    access.set(pair.access_token, userId);
    refresh.set(pair.refresh_token, userId);
    return pair;
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { code: 'INTERNAL_SERVER_ERROR', message: 'stub failure' });
    });
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://stub');
    const raw = await readBody(req);
    const body: unknown = raw === '' ? undefined : JSON.parse(raw);
    requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      body,
    });
    const requestId = `req-${requests.length}`;
    res.setHeader('x-request-id', requestId);
    const delayMs = delays.get(url.pathname);
    if (delayMs !== undefined) await new Promise((r) => setTimeout(r, delayMs));
    const next = canned.shift();
    if (next !== undefined) {
      res.writeHead(next.status, next.headers ?? {}).end(next.body);
      return;
    }
    const fail = (status: number, code: ErrorCode, message: string, extra: object = {}): void =>
      send(res, status, { code, message, ...extra, requestId });
    const fields = (body ?? {}) as Record<string, unknown>;
    const route = `${req.method} ${url.pathname.replace(/^\/api\/v1/, '')}`;

    if (route === 'POST /auth/access') {
      const user = [...users.values()].find((u) => u.email === fields.email);
      if (user === undefined || user.password !== fields.password) {
        return fail(401, 'UNAUTHORIZED', 'Invalid email or password');
      }
      return send(res, 200, issue(user.id));
    }
    if (route === 'POST /auth/refresh') {
      refreshCalls += 1;
      if (options.refreshDelayMs !== undefined) await new Promise((r) => setTimeout(r, options.refreshDelayMs));
      const token = String(fields.refresh_token);
      const userId = refresh.get(token);
      if (userId === undefined) return fail(401, 'UNAUTHORIZED', 'Invalid refresh token');
      refresh.delete(token);
      return send(res, 200, issue(userId));
    }
    if (route === 'POST /auth/logout') {
      refresh.delete(String(fields.refresh_token));
      return send(res, 204);
    }
    if (route === 'POST /users') {
      const password = String(fields.password ?? '');
      if (password.length < 8) {
        return fail(400, 'BAD_REQUEST', 'Invalid input', {
          issues: [{ code: 'too_small', path: ['password'], message: 'Password must be at least 8 characters' }],
        });
      }
      const email = String(fields.email);
      if ([...users.values()].some((u) => u.email === email)) return fail(409, 'CONFLICT', 'Email already registered');
      return send(res, 201, publicView(addUser(email, password, 'user')));
    }

    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const callerId = bearer === undefined || refuseAll ? undefined : access.get(bearer);
    const caller = callerId === undefined ? undefined : users.get(callerId);
    if (caller === undefined) {
      res.setHeader('www-authenticate', 'Bearer');
      return fail(401, 'UNAUTHORIZED', 'Missing or invalid access token');
    }
    if (route === 'GET /users') {
      const limit = Number(url.searchParams.get('limit') ?? '50');
      const offset = Number(url.searchParams.get('offset') ?? '0');
      if (!(limit >= 1 && limit <= 100)) {
        return fail(400, 'BAD_REQUEST', 'Invalid input', {
          issues: [{ code: 'too_big', path: ['limit'], message: 'Too big: expected number to be <=100' }],
        });
      }
      const items = [...users.values()].slice(offset, offset + limit).map(publicView);
      return send(res, 200, { items, total: users.size, limit, offset });
    }
    if (route === 'GET /users/me') return send(res, 200, publicView(caller));
    if (route === 'PATCH /users/me') return send(res, 200, publicView(Object.assign(caller, fields)));
    const byId = /^(GET|PATCH|DELETE) \/users\/([^/]+)$/.exec(route);
    if (byId !== null) {
      const user = users.get(Number(byId[2]));
      if (user === undefined) return fail(404, 'NOT_FOUND', 'User not found');
      if (byId[1] === 'GET') return send(res, 200, publicView(user));
      if (byId[1] === 'PATCH') return send(res, 200, publicView(Object.assign(user, fields)));
      users.delete(user.id);
      return send(res, 204);
    }
    return fail(404, 'NOT_FOUND', `No route ${route}`);
  };

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    refreshCalls: () => refreshCalls,
    expireAccessTokens: () => access.clear(),
    revokeRefreshTokens: () => refresh.clear(),
    refuseAccessTokens: (on) => {
      refuseAll = on;
    },
    delay: (path, ms) => {
      delays.set(path, ms);
    },
    answerNext: (answer) => {
      canned.push(answer);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function publicView({ password: _password, ...user }: StoredUser): User {
  return user;
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
