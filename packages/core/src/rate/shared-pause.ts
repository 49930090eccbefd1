import type { RedisClient } from '../redis-connection.js';

// Extend-only: a shorter pause never cuts a longer one short. Returns the pause left, in ms.
const PAUSE = `
local left = redis.call('PTTL', KEYS[1])
local ms = tonumber(ARGV[1])
if left < ms then
  redis.call('SET', KEYS[1], '1', 'PX', ms)
  return ms
end
return left
`;

type WithPause = RedisClient & { regionwatchPause(key: string, ms: number): Promise<number> };

export type SharedPauseOptions = {
  /** How stale a replica's view of the pause may be, in ms (one PTTL per replica this often at most). @defaultValue 100 */
  refreshMs?: number;
  now?: () => number;
};

/**
 * A pause every replica honours: when Aspose throttles the account (429, or 503 with `Retry-After`),
 * the replica that saw it pauses all requests until then, in Redis. Each replica reads the pause at
 * most every `refreshMs` (one PTTL), and knows at once of a pause it set itself, so checking it
 * before every request costs no Redis command in the common case.
 */
export class SharedPause {
  private pausedUntil = 0;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private refreshing: Promise<void> | undefined;
  private readonly refreshMs: number;
  private readonly now: () => number;

  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    options: SharedPauseOptions = {},
  ) {
    if (!('regionwatchPause' in redis)) redis.defineCommand('regionwatchPause', { numberOfKeys: 1, lua: PAUSE });
    this.refreshMs = options.refreshMs ?? 100;
    this.now = options.now ?? Date.now;
  }

  /** How long requests are still paused, in ms (0: not paused). Never throws: a failed read keeps what was known. */
  async remainingMs(): Promise<number> {
    if (this.now() - this.checkedAt >= this.refreshMs) {
      this.refreshing ??= this.refresh().finally(() => {
        this.refreshing = undefined;
      });
      await this.refreshing;
    }
    return Math.max(0, this.pausedUntil - this.now());
  }

  /** Pauses every replica's requests for `ms` (or keeps a longer pause already set); returns the pause left. */
  async pause(ms: number): Promise<number> {
    const left = await (this.redis as WithPause).regionwatchPause(this.key, Math.max(1, Math.ceil(ms)));
    const now = this.now();
    this.pausedUntil = Math.max(this.pausedUntil, now + left);
    this.checkedAt = now;
    return left;
  }

  private async refresh(): Promise<void> {
    try {
      const left = await this.redis.pttl(this.key);
      const now = this.now();
      this.pausedUntil = left > 0 ? now + left : Math.min(this.pausedUntil, now);
      this.checkedAt = now;
    } catch {
      // Redis away: the poll that follows fails on Redis anyway; do not block it on the pause.
    }
  }
}
