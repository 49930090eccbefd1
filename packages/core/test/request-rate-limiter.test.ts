import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, inject, it, vi } from 'vitest';
import {
  ARRIVAL_MARGIN_MS,
  AsposeTransientError,
  RateBudgetExhaustedError,
  RequestRateLimiter,
  rpsWindow,
  shardRpsWindow,
} from '../src/index.js';

// The Redis the root vitest config's global setup provides, read directly: core cannot use
// testkit's fixtures, because testkit depends on core.
declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
const url = inject('redisUrl');
const prefix = `rwtest-limiter-${randomUUID().slice(0, 8)}`;
const redis = new Redis(url);
const other = new Redis(url); // a second replica's connection
afterAll(() => {
  redis.disconnect();
  other.disconnect();
});
afterEach(() => {
  vi.useRealTimers();
});

type Outcome = 'sent' | RateBudgetExhaustedError;

async function outcome(limiter: RequestRateLimiter): Promise<Outcome> {
  try {
    await limiter.acquire('task-1');
    return 'sent';
  } catch (error) {
    if (error instanceof RateBudgetExhaustedError) return error;
    throw error;
  }
}

/** Redis's clock in ms — the clock the limiter judges by, so the oracle below reads the same one. */
async function redisNow(): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/**
 * Runs `fn` between two readings of Redis's clock: whatever Redis decided inside `fn` happened at a
 * Redis time in [from, to], however long this process took to get there.
 */
async function bracketed<T>(fn: () => Promise<T>): Promise<{ value: T; from: number; to: number }> {
  const from = await redisNow();
  const value = await fn();
  return { value, from, to: await redisNow() };
}

/** Waits, polling Redis's clock, until it reads at least `at`. */
async function untilRedisTime(at: number): Promise<void> {
  for (let now = await redisNow(); now < at; now = await redisNow()) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, at - now)));
  }
}

describe('RequestRateLimiter', () => {
  it('admits max requests per window across every process sharing the key, then refuses with the time left', async () => {
    // A minute-long window: nothing can leave it while this test runs, however slow the machine.
    const key = `${prefix}:a`;
    const a = new RequestRateLimiter(redis, key, 5, 60_000);
    const b = new RequestRateLimiter(other, key, 5, 60_000);
    const first = await bracketed(() => Promise.all([a, b, a, b, a].map(outcome)));
    expect(first.value).toEqual(['sent', 'sent', 'sent', 'sent', 'sent']);
    const refused = await bracketed(() => outcome(b));
    expect(refused.value).toBeInstanceOf(RateBudgetExhaustedError);
    const error = refused.value as RateBudgetExhaustedError;
    expect(error.code).toBe('RATE_BUDGET_EXHAUSTED');
    expect(error).not.toBeInstanceOf(AsposeTransientError); // our own budget, not an answer from Aspose
    // Until the oldest admission (in [first.from, first.to]) leaves the window.
    expect(error.retryAfterMs).toBeGreaterThanOrEqual(first.from + 60_000 - refused.to);
    expect(error.retryAfterMs).toBeLessThanOrEqual(first.to + 60_000 - refused.from);
    expect(error.message).toMatch(/ASPOSE_MAX_RPS reached \(5 per 60000 ms across all replicas\) for task task-1/);
    expect(await outcome(a)).toBeInstanceOf(RateBudgetExhaustedError); // the other replica as well
  });

  it('counts every admission of one limiter, however many: 50 of 50 sent, the 51st refused', async () => {
    // Each admission is its own entry in the window; two that shared an entry would let more than max through.
    const limiter = new RequestRateLimiter(redis, `${prefix}:many`, 50, 60_000);
    for (let i = 0; i < 50; i++) expect(await outcome(limiter)).toBe('sent');
    expect(await outcome(limiter)).toBeInstanceOf(RateBudgetExhaustedError);
    expect(await redis.zcard(`${prefix}:many`)).toBe(50);
  });

  it('keeps separate budgets under separate keys', async () => {
    const one = new RequestRateLimiter(redis, `${prefix}:one`, 1, 60_000);
    const two = new RequestRateLimiter(redis, `${prefix}:two`, 1, 60_000);
    expect(await outcome(one)).toBe('sent');
    expect(await outcome(two)).toBe('sent');
    expect(await outcome(one)).toBeInstanceOf(RateBudgetExhaustedError);
  });

  it('slides: a slot frees when its own request leaves the window, not at a window boundary', async () => {
    // Every expectation is computed from Redis TIME readings around each call (the limiter's clock),
    // so a stalled process changes which branch is checked, never whether the check is right.
    const windowMs = 3_000;
    const limiter = new RequestRateLimiter(redis, `${prefix}:slide`, 3, windowMs);
    const first = await bracketed(() => outcome(limiter));
    expect(first.value).toBe('sent');
    await untilRedisTime(first.to + 1_000);
    const later = await bracketed(() => Promise.all([outcome(limiter), outcome(limiter)]));
    expect(later.value).toEqual(['sent', 'sent']);

    // Full: the refusal says when the *first* admission leaves — at least a second sooner than a
    // whole window, because the later two came a second after it.
    const refused = await bracketed(() => outcome(limiter));
    expect(refused.value).toBeInstanceOf(RateBudgetExhaustedError);
    const retryAfterMs = (refused.value as RateBudgetExhaustedError).retryAfterMs;
    expect(retryAfterMs).toBeGreaterThanOrEqual(first.from + windowMs - refused.to);
    expect(retryAfterMs).toBeLessThanOrEqual(first.to + windowMs - refused.from);
    expect(retryAfterMs).toBeLessThanOrEqual(windowMs - 1_000);

    // Once the first has left, exactly its slot is free again.
    await untilRedisTime(first.to + windowMs);
    const freed = await bracketed(() => outcome(limiter));
    expect(freed.value).toBe('sent');
    const next = await bracketed(() => outcome(limiter));
    if (next.to < later.from + windowMs) {
      // The later two are certainly still in the window: no slot for a fourth.
      expect(next.value).toBeInstanceOf(RateBudgetExhaustedError);
    } else if (next.from >= later.to + windowMs) {
      // This process stalled past their window too: their slots are free.
      expect(next.value).toBe('sent');
    }
  });

  it('judges by Redis’s clock: replicas whose clocks disagree by hours still share one budget', async () => {
    // Each replica's acquire() runs with its process clock set far off; had the limiter timed requests
    // by the client's clock, the replica ahead would see the other's admissions as hours old, drop
    // them from the window and admit more.
    const key = `${prefix}:skew`;
    const behind = new RequestRateLimiter(redis, key, 4, 60_000);
    const ahead = new RequestRateLimiter(other, key, 4, 60_000);
    const realNow = Date.now();
    const withClock = async (offsetMs: number, limiter: RequestRateLimiter): Promise<Outcome> => {
      vi.useFakeTimers({ toFake: ['Date', 'performance'], now: realNow + offsetMs });
      try {
        return await outcome(limiter);
      } finally {
        vi.useRealTimers();
      }
    };
    const hour = 3_600_000;
    const results = [
      await withClock(-hour, behind),
      await withClock(-hour, behind),
      await withClock(+hour, ahead),
      await withClock(+hour, ahead),
    ];
    expect(results).toEqual(['sent', 'sent', 'sent', 'sent']);
    const aheadRefused = await withClock(+hour, ahead);
    const behindRefused = await withClock(-hour, behind);
    expect(aheadRefused).toBeInstanceOf(RateBudgetExhaustedError);
    expect(behindRefused).toBeInstanceOf(RateBudgetExhaustedError);
    // And the wait each is told is within one window, not hours off.
    for (const refused of [aheadRefused, behindRefused] as RateBudgetExhaustedError[]) {
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    }
  });

  it('turns ASPOSE_MAX_RPS into a window, fractional rates included', async () => {
    expect(rpsWindow(10)).toEqual({ max: 10, duration: 1_000 });
    expect(rpsWindow(1)).toEqual({ max: 1, duration: 1_000 });
    expect(rpsWindow(2.5)).toEqual({ max: 2, duration: 1_000 });
    expect(rpsWindow(0.5)).toEqual({ max: 1, duration: 2_000 });
    expect(rpsWindow(0.3)).toEqual({ max: 1, duration: 3_334 });

    // perSecond(3): three per second. Whether the fourth is refused depends on whether a second
    // passed in Redis between the first and the fourth, which the readings tell.
    const whole = RequestRateLimiter.perSecond(redis, `${prefix}:b`, 3);
    const burst = await bracketed(() => Promise.all([1, 2, 3, 4].map(() => outcome(whole))));
    expect(burst.value.slice(0, 3)).toEqual(['sent', 'sent', 'sent']);
    if (burst.to - burst.from < 1_000) expect(burst.value[3]).toBeInstanceOf(RateBudgetExhaustedError);

    // perSecond(0.5): one per two seconds, and the refusal waits for the rest of those two seconds.
    const slow = RequestRateLimiter.perSecond(redis, `${prefix}:c`, 0.5);
    // The window: two seconds plus the margin for requests that reach Aspose late (ARRIVAL_MARGIN_MS).
    const windowMs = 2_000 + ARRIVAL_MARGIN_MS;
    const sent = await bracketed(() => outcome(slow));
    expect(sent.value).toBe('sent');
    const refused = await bracketed(() => outcome(slow));
    if (refused.to < sent.from + windowMs) {
      expect(refused.value).toBeInstanceOf(RateBudgetExhaustedError);
      const retryAfterMs = (refused.value as RateBudgetExhaustedError).retryAfterMs;
      expect(retryAfterMs).toBeGreaterThanOrEqual(sent.from + windowMs - refused.to);
      expect(retryAfterMs).toBeLessThanOrEqual(sent.to + windowMs - refused.from);
    }
  });

  it('splits the window over poll shards: the same total rate, each shard in small bursts', () => {
    expect(shardRpsWindow(10, 1)).toEqual(rpsWindow(10));
    // 10/s over 3 shards: 3 per 900 ms each = 10/s together.
    expect(shardRpsWindow(10, 3)).toEqual({ max: 3, duration: 900 });
    expect(shardRpsWindow(5, 3)).toEqual({ max: 1, duration: 600 }); // 3 × 1/0.6 s = 5/s
    expect(shardRpsWindow(2.5, 2)).toEqual({ max: 1, duration: 1_000 }); // rpsWindow(2.5) = 2/s
    expect(shardRpsWindow(0.5, 3)).toEqual({ max: 1, duration: 6_000 }); // 3 × 1/6 s = 0.5/s
    expect(shardRpsWindow(100, 64)).toEqual({ max: 1, duration: 640 }); // 64 × 1/0.64 s = 100/s
  });

  it("with a margin, BullMQ's job-start window is the request window's (ASPOSE_MAX_RPS per 1 s + ARRIVAL_MARGIN_MS), per shard too", () => {
    expect(shardRpsWindow(40, 1, ARRIVAL_MARGIN_MS)).toEqual({ max: 40, duration: 1_000 + ARRIVAL_MARGIN_MS });
    // 40 per 1.1 s over 4 shards: 10 per 1.1 s each, the same total rate as the request window.
    expect(shardRpsWindow(40, 4, ARRIVAL_MARGIN_MS)).toEqual({ max: 10, duration: 1_000 + ARRIVAL_MARGIN_MS });
    expect(shardRpsWindow(0.5, 1, ARRIVAL_MARGIN_MS)).toEqual({ max: 1, duration: 2_000 + ARRIVAL_MARGIN_MS });
  });

  it('waitUpToMs: a request whose slot frees within the bound waits for it, admitted one window after the last (Redis time)', async () => {
    const key = `${prefix}:wait`;
    const windowMs = 300;
    const waiting = new RequestRateLimiter(redis, key, 1, windowMs, 10_000);
    const first = await bracketed(() => outcome(waiting));
    expect(first.value).toBe('sent');
    // Asked at once (the window is full), it is not refused: it waits for the slot. A process that stalled past the window
    // meets a free slot instead; either way the admission below is one window after the first, never sooner.
    const second = await bracketed(() => outcome(waiting));
    expect(second.value).toBe('sent');
    const entries: string[] = await redis.zrange(key, 0, '-1', 'WITHSCORES');
    expect(entries).toHaveLength(2); // one member and its score: the first had left the window when the second was admitted
    const admittedAt = Number(entries[1]);
    expect(admittedAt).toBeGreaterThanOrEqual(first.from + windowMs);
    expect(admittedAt).toBeLessThanOrEqual(second.to);
  });

  it('waitUpToMs: a slot further away than the bound is refused at once, with the time it frees', async () => {
    const key = `${prefix}:wait-long`;
    const bounded = new RequestRateLimiter(redis, key, 1, 60_000, 250);
    expect(await outcome(bounded)).toBe('sent');
    const refused = await bracketed(() => outcome(bounded));
    expect(refused.value).toBeInstanceOf(RateBudgetExhaustedError);
    expect((refused.value as RateBudgetExhaustedError).retryAfterMs).toBeGreaterThan(250);
    expect(await redis.zcard(key)).toBe(1);
  });
});
