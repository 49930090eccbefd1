import type { RedisClient } from '../redis-connection.js';
import { RateBudgetExhaustedError } from '../errors/rate-budget-exhausted-error.js';

// A sliding log in one sorted set: drop entries older than the window, admit if fewer than `max`
// remain (recording this request), else say how long until the oldest leaves the window. Atomic in
// Redis, so every replica shares one budget. Redis's own clock (TIME) keeps replicas' clocks out of it.
const SCRIPT = `
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ms, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return -1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + window - ms
`;

/**
 * A requests-per-second rate as "at most `max` per `duration` ms" (BullMQ's limiter shape, and this
 * limiter's window): fractional rates become one request per 1/rate seconds.
 */
export function rpsWindow(rps: number): { max: number; duration: number } {
  return rps >= 1 ? { max: Math.floor(rps), duration: 1_000 } : { max: 1, duration: Math.ceil(1_000 / rps) };
}

/**
 * One poll shard's share of `rpsWindow(rps)` as a BullMQ limiter (each limiter is its own queue's): the
 * shards together start polls at the same rate, each in small bursts (`max` = the whole window's share,
 * at least 1, its `duration` stretched to match) so they do not all start a full window's worth at once.
 * `shards` = 1: `rpsWindow(rps)` itself. `marginMs` lengthens the whole window first (ARRIVAL_MARGIN_MS: the
 * request window's own length, see `RequestRateLimiter.perSecond`).
 */
export function shardRpsWindow(rps: number, shards: number, marginMs = 0): { max: number; duration: number } {
  const { max: wholeMax, duration } = rpsWindow(rps);
  const whole = { max: wholeMax, duration: duration + marginMs };
  if (shards === 1) return whole;
  const max = Math.max(1, Math.floor(whole.max / shards));
  return { max, duration: Math.ceil((whole.duration * shards * max) / whole.max) };
}

/**
 * How much the time from a request's admission to its arrival at Aspose may vary (event-loop delay
 * before the socket write, network) without Aspose ever seeing more than ASPOSE_MAX_RPS in a second.
 */
export const ARRIVAL_MARGIN_MS = 100;

/**
 * How long a request to Aspose may wait for the ASPOSE_MAX_RPS window's next slot instead of being refused
 * (`RequestRateLimiter` `waitUpToMs`). A refused poll returns only after a re-delay and a job start, so refusing at
 * once left each slot unused that long: measured under a binding cap (docs/adaptive-polling.md, "Under a binding
 * cap"), GETs went from ~74 % of the cap to ~86 % with this wait alone, 91 % with BullMQ's window aligned too (the
 * request window's own ceiling: its 100 ms margin).
 * Short next to a job's lock (30 s) and the HTTP timeout, so a waiting poll holds its concurrency slot briefly.
 */
export const RATE_SLOT_WAIT_MS = 250;

type WithAcquire = RedisClient & { regionwatchAcquire(key: string, windowMs: number, max: number, member: string): Promise<number> };

/**
 * At most `max` requests in any sliding window of `windowMs`, across every process sharing the Redis
 * key. `acquire()` resolves when a request may go now, or throws a `RateBudgetExhaustedError`
 * (with `retryAfterMs`) so the caller re-delays its job instead of waiting.
 */
export class RequestRateLimiter {
  private counter = 0;
  private readonly id = Math.random().toString(36).slice(2);

  /**
   * `waitUpToMs`: when the window frees a slot within this long, `acquire` waits for it (and asks again)
   * instead of refusing: a refused request comes back later than the slot frees (a job start, a Redis round
   * trip), so each refusal leaves a slot unused for that long. 0 (the default): refuse at once.
   */
  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly max: number,
    private readonly windowMs: number,
    private readonly waitUpToMs = 0,
  ) {
    if (!('regionwatchAcquire' in redis)) redis.defineCommand('regionwatchAcquire', { numberOfKeys: 1, lua: SCRIPT });
  }

  /**
   * `ASPOSE_MAX_RPS` as a limiter (see `rpsWindow`), its window lengthened by ARRIVAL_MARGIN_MS: a
   * request is admitted here, in Redis, and reaches Aspose a little later — later still on a busy
   * machine — so requests admitted in one window could arrive in the next and Aspose would count more
   * than the cap in one second. With the margin it cannot, as long as the time from admission to
   * arrival varies by less than the margin (at the cost of about 10 % of the rate at 1 s windows).
   */
  static perSecond(redis: RedisClient, key: string, rps: number, waitUpToMs = 0): RequestRateLimiter {
    const { max, duration } = rpsWindow(rps);
    return new RequestRateLimiter(redis, key, max, duration + ARRIVAL_MARGIN_MS, waitUpToMs);
  }

  async acquire(taskId?: string): Promise<void> {
    const giveUpAt = Date.now() + this.waitUpToMs;
    for (;;) {
      this.counter = (this.counter + 1) % Number.MAX_SAFE_INTEGER;
      // The member names the task too, so an admission can be traced to the request it let through (chaos aspose-storms).
      const member = `${this.id}:${this.counter}:${taskId ?? ''}`;
      const waitMs = await (this.redis as WithAcquire).regionwatchAcquire(this.key, this.windowMs, this.max, member);
      if (waitMs < 0) return;
      const retryAfterMs = Math.max(1, waitMs);
      // Another request may take the slot first: then this one asks again, until its wait would pass giveUpAt.
      if (Date.now() + retryAfterMs > giveUpAt) {
        throw new RateBudgetExhaustedError({ max: this.max, windowMs: this.windowMs }, { taskId, retryAfterMs });
      }
      await new Promise((resolve) => setTimeout(resolve, retryAfterMs));
    }
  }
}
