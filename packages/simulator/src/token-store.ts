import { Prng } from './prng.js';

/** Why a bearer token was refused; becomes the `error_description` of `WWW-Authenticate`. */
export type TokenRejection = 'missing' | 'unknown' | 'expired' | 'revoked';

const PRUNE_GRACE_MS = 60 * 60 * 1000;

type IssuedToken = { expiresAt: number; revoked: boolean };

/** Opaque bearer tokens: issued by `/connect/token`, checked on every `/v5.0` request. */
export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly random: Prng;

  constructor(
    seed: number,
    private lifetimeSeconds: number,
    private readonly now: () => number,
  ) {
    this.random = Prng.stream(seed, 'tokens');
  }

  issue(): { token: string; expiresIn: number } {
    // Pruning on issue keeps the map small in long benchmarks without a timer; a grace hour keeps
    // recently expired tokens so a 401 still says "expired" rather than "unknown".
    const at = this.now();
    for (const [token, issued] of this.tokens) if (issued.expiresAt + PRUNE_GRACE_MS <= at) this.tokens.delete(token);
    const token = Buffer.from(this.random.bytes(32)).toString('base64url');
    this.tokens.set(token, { expiresAt: at + this.lifetimeSeconds * 1000, revoked: false });
    return { token, expiresIn: this.lifetimeSeconds };
  }

  /** `null` when `authorization` carries a live token, otherwise why it was refused. */
  check(authorization: string | undefined): TokenRejection | null {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match?.[1]) return 'missing';
    const issued = this.tokens.get(match[1]);
    if (!issued) return 'unknown';
    if (issued.revoked) return 'revoked';
    return issued.expiresAt <= this.now() ? 'expired' : null;
  }

  expireAll(): void {
    const at = this.now();
    for (const issued of this.tokens.values()) issued.expiresAt = Math.min(issued.expiresAt, at);
  }

  revokeAll(): void {
    for (const issued of this.tokens.values()) issued.revoked = true;
  }

  setLifetime(seconds: number): void {
    this.lifetimeSeconds = seconds;
  }
}
