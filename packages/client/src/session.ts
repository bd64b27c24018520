import type { TokenResponse } from '@basis/contracts';

/** Called whenever the kept tokens change: a new pair after login or refresh, `null` once they are dropped. */
export type TokensListener = (tokens: TokenResponse | null) => void;

/**
 * The tokens a client keeps, and the one refresh that concurrent 401s share.
 * Internal to the client; {@link createClient} exposes what callers need.
 */
export class Session {
  #tokens: TokenResponse | null = null;
  #refreshing: Promise<TokenResponse> | null = null;
  readonly #listener: TokensListener | undefined;
  readonly #exchange: (refreshToken: string) => Promise<TokenResponse>;

  /**
   * @param exchange calls `POST /auth/refresh` with a refresh token and returns the new pair
   * @param listener told about every change of the kept tokens
   */
  constructor(exchange: (refreshToken: string) => Promise<TokenResponse>, listener?: TokensListener) {
    this.#exchange = exchange;
    this.#listener = listener;
  }

  /** The kept pair, or `null` when logged out. */
  get tokens(): TokenResponse | null {
    return this.#tokens;
  }

  /** Keeps a pair (or drops it with `null`) and tells the listener, unless nothing changes. */
  set(tokens: TokenResponse | null): void {
    if (tokens === this.#tokens) return;
    this.#tokens = tokens;
    this.#listener?.(tokens);
  }

  /**
   * Gets a fresh access token after a 401. When the kept access token already differs from
   * `staleAccessToken` (another call refreshed meanwhile) it is returned as is; otherwise one
   * refresh runs, shared by every caller that asks while it is in flight.
   * @param staleAccessToken the access token the failed call sent
   * @returns the access token to retry with, or `null` when there is no refresh token
   * @throws the refresh call's error; on a 400 or 401 answer the kept tokens are dropped first
   */
  async renew(staleAccessToken: string | undefined): Promise<string | null> {
    const current = this.#tokens;
    if (current === null) return null;
    if (current.access_token !== staleAccessToken) return current.access_token;
    return (await this.refresh()).access_token;
  }

  /**
   * Exchanges the kept refresh token for a new pair now (single-flight).
   * @throws {Error} when no refresh token is kept
   * @throws the refresh call's error; on a 400 or 401 answer the kept tokens are dropped first
   *   (a 429, a 5xx or no answer keeps them: the refresh token may still be good)
   */
  refresh(): Promise<TokenResponse> {
    if (this.#refreshing !== null) return this.#refreshing;
    const refreshToken = this.#tokens?.refresh_token;
    if (refreshToken === undefined) return Promise.reject(new Error('Not logged in: no refresh token is kept'));
    this.#refreshing = this.#exchange(refreshToken)
      .then(
        (tokens) => {
          this.set(tokens);
          return tokens;
        },
        (error: unknown) => {
          if (refusesRefreshToken(error) && this.#tokens?.refresh_token === refreshToken) this.set(null);
          throw error;
        },
      )
      .finally(() => {
        this.#refreshing = null;
      });
    return this.#refreshing;
  }
}

/**
 * Whether a failed refresh says the refresh token itself is bad: 400 (a malformed token) or 401
 * (invalid, expired, revoked or reused). Anything else may pass and must not log the user out:
 * 429 (the gateway's per-IP refresh limit, shared by everyone behind one address), 5xx, no answer.
 * @see RFC 6749 §5.2 (invalid_request 400, invalid_grant 400/401)
 */
function refusesRefreshToken(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  return status === 400 || status === 401;
}
