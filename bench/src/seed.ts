import { randomBytes } from 'node:crypto';

/** Users the bench registered, and one account to log in with. */
export interface Seed {
  readonly ids: readonly number[];
  /** Every seeded email (index i ↔ the i-th registration, not `ids[i]`); all share `password`. */
  readonly emails: readonly string[];
  readonly password: string;
}

async function postJson(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * Registers `count` users through the gateway's `POST /api/v1/users`, `concurrency` at a time
 * (each costs an argon2 hash in the users service).
 * @returns their ids, emails and shared password.
 * @throws on any answer other than 201 with an integer `id`.
 */
export async function seedUsers(gatewayOrigin: string, count: number, concurrency: number): Promise<Seed> {
  const run = randomBytes(4).toString('hex');
  const password = `bench-${randomBytes(8).toString('hex')}`;
  const ids: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      const email = `bench-${run}-${index}@example.com`;
      const { status, json } = await postJson(`${gatewayOrigin}/api/v1/users`, {
        email,
        password,
        firstName: 'Bench',
        lastName: `User ${index}`,
      });
      const id = field(json, 'id');
      if (status !== 201 || typeof id !== 'number' || !Number.isInteger(id)) {
        throw new Error(`POST /api/v1/users answered ${status}: ${JSON.stringify(json).slice(0, 300)}`);
      }
      ids.push(id);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const emails = Array.from({ length: count }, (_, index) => `bench-${run}-${index}@example.com`);
  return { ids, emails, password };
}

/**
 * Logs in through `POST /api/v1/auth/access`.
 * @returns the access token.
 * @throws on any answer other than 200 with a string `access_token`.
 * @see RFC 6749 §5.1
 */
export async function logIn(gatewayOrigin: string, email: string, password: string): Promise<string> {
  const { status, json } = await postJson(`${gatewayOrigin}/api/v1/auth/access`, { email, password });
  const token = field(json, 'access_token');
  if (status !== 200 || typeof token !== 'string') {
    throw new Error(`POST /api/v1/auth/access answered ${status}: ${JSON.stringify(json).slice(0, 300)}`);
  }
  return token;
}

/**
 * One GET that must answer 200 with a JSON body whose user id is `expectedId` (unwrapping a
 * tRPC `{result:{data}}` envelope when present): proves a load target does real work before
 * it is measured.
 * @throws with the status and the start of the body otherwise.
 */
export async function checkUserResponse(
  url: string,
  headers: Record<string, string>,
  expectedId: number,
): Promise<void> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // reported below
  }
  const data = field(field(json, 'result'), 'data');
  const user = data === undefined ? json : (field(data, 'json') ?? data);
  if (res.status !== 200 || field(user, 'id') !== expectedId) {
    throw new Error(`GET ${url} answered ${res.status}: ${text.slice(0, 300)}`);
  }
}
