import { mintServiceToken, type SpawnedService, type TokenActor } from '@basis/service-kit/test';

/**
 * Calls a tRPC procedure of a spawned service over HTTP as the gateway would (its development key),
 * acting for `actor`: `list` and `byId` as queries (GET), everything else as a mutation (POST).
 * @param audience the service's identity (`users`, `posts`), the credential's `aud`
 * @returns the procedure's `result.data`
 * @throws on any non-2xx answer, with the status and the error body
 */
export async function callProcedure<T>(
  service: SpawnedService,
  audience: string,
  path: string,
  input: unknown,
  actor: TokenActor | null = null,
): Promise<T> {
  const mutation = !/\.(list|byId)$/.test(path);
  const authorization = `Bearer ${mintServiceToken(audience, actor)}`;
  const url = `${service.url}/trpc/${path}${mutation ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`;
  const response = await fetch(url, {
    method: mutation ? 'POST' : 'GET',
    headers: { authorization, 'content-type': 'application/json' },
    ...(mutation ? { body: JSON.stringify(input) } : {}),
  });
  const body = (await response.json()) as { result?: { data?: T }; error?: unknown };
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${JSON.stringify(body.error)}`);
  return body.result?.data as T;
}
