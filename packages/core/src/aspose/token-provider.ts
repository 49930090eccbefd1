import { AsposeAuthError } from '../errors/aspose-auth-error.js';
import { AsposeTransientError } from '../errors/aspose-transient-error.js';
import type { AsposeHttp } from '../http/aspose-http.js';
import { send } from '../http/send.js';
import { asposeErrorForStatus } from './aspose-error-for-status.js';

export type TokenProviderOptions = {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  http: AsposeHttp;
  now?: () => number;
};

/** When a token endpoint omits `expires_in` (optional in OAuth2), reuse a token this long. */
const DEFAULT_LIFETIME_MS = 5 * 60 * 1000;

type CachedToken = { value: string; refreshAt: number };

/**
 * OAuth2 client-credentials tokens for Aspose: cached until shortly before `expires_in`, fetched
 * single-flight (any number of concurrent callers without a token cause one token request).
 */
export class TokenProvider {
  private cached: CachedToken | undefined;
  private inflight: Promise<CachedToken> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: TokenProviderOptions) {
    this.now = options.now ?? Date.now;
  }

  async getToken(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) return this.cached.value;
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = undefined;
    });
    this.cached = await this.inflight;
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
    if (expiresIn !== undefined && (typeof expiresIn !== 'number' || !(expiresIn > 0))) {
      throw new AsposeAuthError(`token endpoint answered an unusable expires_in (${JSON.stringify(expiresIn)})`, {});
    }
    const lifetimeMs = typeof expiresIn === 'number' ? expiresIn * 1000 : DEFAULT_LIFETIME_MS;
    // Refresh a little early (10 %, at most a minute) so a token never expires mid-request.
    const marginMs = Math.min(60_000, lifetimeMs / 10);
    return { value, refreshAt: this.now() + lifetimeMs - marginMs };
  }
}
