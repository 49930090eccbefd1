import { AsposeAuthError } from '../errors/aspose-auth-error.js';
import { AsposeTransientError } from '../errors/aspose-transient-error.js';
import { RateBudgetExhaustedError } from '../errors/rate-budget-exhausted-error.js';
import { truncateText } from '../text/bounded-text.js';
import type { AsposeHttp } from '../http/aspose-http.js';
import { send } from '../http/send.js';
import { asposeErrorForStatus } from './aspose-error-for-status.js';

export type TokenProviderOptions = {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  http: AsposeHttp;
  now?: () => number;
  /**
   * Called right before each token request, like the client's `beforeRequest` before each API call:
   * token requests count against the shared request budget (ASPOSE_MAX_RPS). Throw to not send.
   */
  beforeRequest?: () => Promise<void>;
  /** How long a failed token request is remembered (and rethrown without a request). @defaultValue TOKEN_FAILURE_MEMORY_MS */
  failureMemoryMs?: number;
};

/** When a token endpoint omits `expires_in` (optional in OAuth2), reuse a token this long. */
const DEFAULT_LIFETIME_MS = 5 * 60 * 1000;

/**
 * `expires_in` is clamped to this range: a token endpoint saying 1 s would cost a token request per
 * poll, one saying a year would keep a token long after its real expiry (a 401 refreshes it anyway).
 */
export const TOKEN_LIFETIME_BOUNDS_MS = { min: 60_000, max: 24 * 60 * 60 * 1000 } as const;

/**
 * A failed token request (refused credentials, the endpoint down) is remembered this long: every poll
 * in that time fails at once with the same error instead of sending its own token request, so
 * refused credentials cost one token request per replica every few seconds, not one per job run.
 */
export const TOKEN_FAILURE_MEMORY_MS = 5_000;

type CachedToken = { value: string; refreshAt: number; expiresAt: number };

/**
 * OAuth2 client-credentials tokens for Aspose: cached until shortly before `expires_in`, fetched
 * single-flight (any number of concurrent callers without a token cause one token request); a failed
 * request is remembered for TOKEN_FAILURE_MEMORY_MS.
 */
export class TokenProvider {
  private cached: CachedToken | undefined;
  private inflight: Promise<CachedToken> | undefined;
  private failure: { error: unknown; until: number } | undefined;
  private readonly now: () => number;

  constructor(private readonly options: TokenProviderOptions) {
    this.now = options.now ?? Date.now;
  }

  async getToken(): Promise<string> {
    const now = this.now();
    if (this.cached && now < this.cached.refreshAt) return this.cached.value;
    if (this.failure && now < this.failure.until) {
      // The refresh is failing, but the token we hold has not expired yet: keep using it.
      if (this.cached && now < this.cached.expiresAt) return this.cached.value;
      throw this.failure.error;
    }
    this.inflight ??= this.fetchToken()
      .then(
        (token) => {
          this.failure = undefined;
          return token;
        },
        (error: unknown) => {
          // Our own budget being spent sent nothing: nothing to remember.
          if (!(error instanceof RateBudgetExhaustedError)) {
            this.failure = { error, until: this.now() + (this.options.failureMemoryMs ?? TOKEN_FAILURE_MEMORY_MS) };
          }
          throw error;
        },
      )
      .finally(() => {
        this.inflight = undefined;
      });
    try {
      this.cached = await this.inflight;
    } catch (error) {
      if (this.cached && this.now() < this.cached.expiresAt) return this.cached.value;
      throw error;
    }
    return this.cached.value;
  }

  /**
   * Forget `token` after the API refused it. Only the current token is dropped, so a burst of
   * 401s for one stale token triggers one refresh, not one per request.
   */
  invalidate(token: string): void {
    if (this.cached?.value === token) this.cached = undefined;
  }

  private async fetchToken(): Promise<CachedToken> {
    await this.options.beforeRequest?.();
    const response = await send(
      this.options.http,
      {
        method: 'POST',
        url: this.options.tokenUrl,
        form: { grant_type: 'client_credentials', client_id: this.options.clientId, client_secret: this.options.clientSecret },
        headers: { accept: 'application/json' },
      },
      {},
    ).catch((error: unknown) => {
      if (error instanceof AsposeTransientError) {
        throw new AsposeTransientError('token-endpoint', `token endpoint unreachable: ${error.message}`, { cause: error });
      }
      throw new AsposeAuthError(`token endpoint answered unusably: ${(error as Error).message}`, { cause: error });
    });
    const refused = asposeErrorForStatus('token', response);
    if (refused) throw refused;
    return this.parseToken(response.body);
  }

  private parseToken(body: string): CachedToken {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new AsposeAuthError('token endpoint answered a body that is not JSON', {});
    }
    const { access_token: value, expires_in: expiresIn } = (parsed ?? {}) as { access_token?: unknown; expires_in?: unknown };
    if (typeof value !== 'string' || value.length === 0) {
      throw new AsposeAuthError('token endpoint answered without an access_token', {});
    }
    if (expiresIn !== undefined && (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn))) {
      throw new AsposeAuthError(
        `token endpoint answered an unusable expires_in (${truncateText(String(JSON.stringify(expiresIn)), 40)})`,
        {},
      );
    }
    const { min, max } = TOKEN_LIFETIME_BOUNDS_MS;
    const lifetimeMs = typeof expiresIn === 'number' ? Math.min(Math.max(expiresIn * 1000, min), max) : DEFAULT_LIFETIME_MS;
    // Refresh a little early (10 %, at most a minute) so a token never expires mid-request.
    const marginMs = Math.min(60_000, lifetimeMs / 10);
    const now = this.now();
    return { value, refreshAt: now + lifetimeMs - marginMs, expiresAt: now + lifetimeMs };
  }
}
