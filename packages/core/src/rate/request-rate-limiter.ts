import type { RedisClient } from '../redis-connection.js';
import { RateBudgetExhaustedError } from '../errors/rate-budget-exhausted-error.js';

// A sliding log in one sorted set: drop entries older than the window, admit if fewer than `max`
// remain (recording this request), else say how long until the oldest leaves the window. Atomic in
// Redis, so every replica shares one budget. Redis's own clock (TIME) keeps replicas' clocks out of it.
// With a gap (ARGV[4] > 0), admissions are also spaced, GCRA-style: member `tat` (no `:`, so never a
// request's) holds the theoretical arrival time; a request may go from one gap before it (the tolerance:
// a waiter woken a little late still gets its slot, so spacing does not drift below the rate), and each
// admission moves it one gap on. `tat` is always after every admission, so it never counts as the oldest.
const SCRIPT = `
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local window = tonumber(ARGV[1])
local gap = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms - window)
local tat = nil
if gap > 0 then tat = tonumber(redis.call('ZSCORE', KEYS[1], 'tat')) end
local count = redis.call('ZCARD', KEYS[1])
if tat then count = count - 1 end
if count >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tonumber(oldest[2]) + window - ms
end
if tat and ms < tat - gap then
  return math.ceil(tat - gap - ms)
end
redis.call('ZADD', KEYS[1], ms, ARGV[3])
if gap > 0 then redis.call('ZADD', KEYS[1], math.max(tat or ms, ms) + gap, 'tat') end
redis.call('PEXPIRE', KEYS[1], math.ceil(window + gap))
return -1
`;

/**
 * A requests-per-second rate as "at most `max` per `duration` ms" (BullMQ's limiter shape, and this
 * limiter's window): fractional rates become one request per 1/rate seconds.
 */
export function rpsWindow(rps: number): { max: number; duration: number } {
  return rps >= 1 ? { max: Math.floor(rps), duration: 1_000 } : { max: 1, duration: Math.ceil(1_000 / rps) };
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

/**
 * BullMQ's job-start limiter runs this much of the request window's spacing (`jobStartLimiter`), i.e. ~1.05× its rate.
 * Its fixed windows restart only when a worker asks again after one expired, so it starts jobs slower than configured
 * (measured ~5 % at 110 ms slices); a little ahead, a poll is nearly always waiting behind the gap and no slot goes
 * unused. The surplus waits in `acquire` (up to `waitUpToMs`) or, beyond it, is refused and re-delayed — which costs
 * that poll lag, so not more ahead than that: 0.9 refused ~4 polls/s of 40 and took the p95 lag from 20 s to 26 s,
 * 0.95 ~2/s at 20 s (docs/adaptive-polling.md, "Spacing admissions").
 */
const JOB_START_PACE = 0.95;

type WithAcquire = RedisClient & {
  regionwatchAcquire(key: string, windowMs: number, max: number, member: string, gapMs: number): Promise<number>;
};

/**
 * At most `max` requests in any sliding window of `windowMs`, across every process sharing the Redis
 * key, optionally spaced at least about `gapMs` apart. `acquire()` resolves when a request may go now, or throws a
 * `RateBudgetExhaustedError` (with `retryAfterMs`) so the caller re-delays its job instead of waiting.
 */
export class RequestRateLimiter {
  private counter = 0;
  private readonly id = Math.random().toString(36).slice(2);

  /**
   * `waitUpToMs`: when the window frees a slot within this long, `acquire` waits for it (and asks again)
   * instead of refusing: a refused request comes back later than the slot frees (a job start, a Redis round
   * trip), so each refusal leaves a slot unused for that long. 0 (the default): refuse at once.
   * `gapMs`: spaces admissions on top of the window (GCRA: one every `gapMs` on average, two at most back to back);
   * 0 (the default): none, a whole window's worth may go at once.
   */
  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly max: number,
    private readonly windowMs: number,
    private readonly waitUpToMs = 0,
    private readonly gapMs = 0,
  ) {
    if (!('regionwatchAcquire' in redis)) redis.defineCommand('regionwatchAcquire', { numberOfKeys: 1, lua: SCRIPT });
  }

  /**
   * A requests-per-second cap (`ASPOSE_MAX_RPS`, `WEBHOOK_ENDPOINT_MAX_RPS`; see `rpsWindow`), its window lengthened by
   * ARRIVAL_MARGIN_MS — the one place that margin is added: a request is admitted here, in Redis, and reaches the
   * server a little later — later still on a busy machine — so requests admitted in one window could arrive in the
   * next and the server would count more than the cap in one second. With the margin it cannot, as long as the time
   * from admission to arrival varies by less than the margin (at the cost of about 10 % of the rate at 1 s windows).
   * `spaced`: admissions are spaced evenly (gap = window ÷ max): a window's worth no longer goes out at once, so when
   * part of them are held up longer than the margin (a process starved of CPU), they cannot meet a whole next window's
   * worth in one second — the excess is at most the few admitted within the extra delay (docs/guarantees.md, item 7).
   * On by default for callers that wait for a slot (`waitUpToMs` > 0: a burst then goes out one gap at a time); off for
   * callers that refuse at once, which would see all but two of a burst refused (the webhook processor's per-endpoint
   * limiter: its line then churned — `apps/worker/test/webhook-endpoints.test.ts` never saw every delivery held).
   */
  static perSecond(redis: RedisClient, key: string, rps: number, waitUpToMs = 0, spaced = waitUpToMs > 0): RequestRateLimiter {
    const { max, duration } = rpsWindow(rps);
    const windowMs = duration + ARRIVAL_MARGIN_MS;
    return new RequestRateLimiter(redis, key, max, windowMs, waitUpToMs, spaced ? windowMs / max : 0);
  }

  /**
   * BullMQ's job-start limiter (`{ max, duration }`, one per queue) for `shards` queues whose jobs all pass this
   * limiter, derived from its own window so the two cannot disagree: the shards together start jobs a little faster
   * than this window admits requests (JOB_START_PACE), in slices whose jobs, queued behind the gap, are admitted within
   * `waitUpToMs` — not a whole window's worth at once: `m` jobs per about `m` gaps per shard. Chosen by measurement
   * (docs/adaptive-polling.md, "Spacing admissions"). Without a wait: one job per slice.
   */
  jobStartLimiter(shards: number): { max: number; duration: number } {
    const gapMs = this.windowMs / this.max; // the mean spacing of the window's rate, with or without a gap set
    const max = Math.max(1, Math.floor(this.waitUpToMs / (gapMs * shards)));
    return { max, duration: Math.max(1, Math.floor(max * gapMs * shards * JOB_START_PACE)) };
  }

  async acquire(taskId?: string): Promise<void> {
    const giveUpAt = Date.now() + this.waitUpToMs;
    for (;;) {
      this.counter = (this.counter + 1) % Number.MAX_SAFE_INTEGER;
      // The member names the task too, so an admission can be traced to the request it let through (chaos aspose-storms).
      const member = `${this.id}:${this.counter}:${taskId ?? ''}`;
      const waitMs = await (this.redis as WithAcquire).regionwatchAcquire(this.key, this.windowMs, this.max, member, this.gapMs);
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
