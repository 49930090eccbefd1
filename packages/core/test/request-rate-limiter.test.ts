import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, inject, it, vi } from 'vitest';
import {
  ARRIVAL_MARGIN_MS,
  AsposeTransientError,
  RateBudgetExhaustedError,
  RATE_SLOT_WAIT_MS,
  RequestRateLimiter,
  rpsWindow,
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

/**
 * When `refused` was asked (Redis time) before `freesAfterMs` had passed since `admitted`, it was refused, with
 * the time left until then as its wait: between the earliest and the latest that time can be, given the brackets.
 */
function expectRefusedUntilFree(
  refused: { value: Outcome; from: number; to: number },
  admitted: { from: number; to: number },
  freesAfterMs: number,
): void {
  if (refused.to >= admitted.from + freesAfterMs) return; // asked after it freed: nothing to say
  expect(refused.value).toBeInstanceOf(RateBudgetExhaustedError);
  const retryAfterMs = (refused.value as RateBudgetExhaustedError).retryAfterMs;
  expect(retryAfterMs).toBeGreaterThanOrEqual(admitted.from + freesAfterMs - refused.to);
  expect(retryAfterMs).toBeLessThanOrEqual(admitted.to + freesAfterMs - refused.from);
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

    // perSecond(3), refusing at once: three per 1.1 s, unspaced. Whether the fourth is refused depends on whether a
    // second passed in Redis between the first and the fourth, which the readings tell.
    const whole = RequestRateLimiter.perSecond(redis, `${prefix}:b`, 3);
    const burst = await bracketed(() => Promise.all([1, 2, 3, 4].map(() => outcome(whole))));
    expect(burst.value.slice(0, 3)).toEqual(['sent', 'sent', 'sent']);
    if (burst.to - burst.from < 1_000) expect(burst.value[3]).toBeInstanceOf(RateBudgetExhaustedError);
    expect(await redis.zscore(`${prefix}:b`, 'tat')).toBeNull();

    // Spaced (the default for a caller that waits for its slot, or asked for): a third of 1.1 s apart, two may go
    // back to back; the third only once Redis's clock passed the first admission by a gap.
    const spaced = RequestRateLimiter.perSecond(redis, `${prefix}:b-spaced`, 3, 0, true);
    const gapMs = (1_000 + ARRIVAL_MARGIN_MS) / 3;
    const spacedBurst = await bracketed(() => Promise.all([1, 2, 3].map(() => outcome(spaced))));
    expect(spacedBurst.value.slice(0, 2)).toEqual(['sent', 'sent']);
    if (spacedBurst.to - spacedBurst.from < gapMs) expect(spacedBurst.value[2]).toBeInstanceOf(RateBudgetExhaustedError);
    const waiting = RequestRateLimiter.perSecond(redis, `${prefix}:b-waiting`, 3, RATE_SLOT_WAIT_MS);
    expect(await outcome(waiting)).toBe('sent');
    expect(await redis.zscore(`${prefix}:b-waiting`, 'tat')).not.toBeNull();

    // perSecond(0.5): one per two seconds, and the refusal waits for the rest of those two seconds.
    const slow = RequestRateLimiter.perSecond(redis, `${prefix}:c`, 0.5);
    // The window: two seconds plus the margin for requests that reach Aspose late (ARRIVAL_MARGIN_MS).
    const windowMs = 2_000 + ARRIVAL_MARGIN_MS;
    const sent = await bracketed(() => outcome(slow));
    expect(sent.value).toBe('sent');
    expectRefusedUntilFree(await bracketed(() => outcome(slow)), sent, windowMs);
  });

  it("derives BullMQ's job-start limiter from the request window: ~1.05× its rate over every shard, in slices one slot wait long", () => {
    const limiterOf = (rps: number, waitUpToMs = RATE_SLOT_WAIT_MS) =>
      RequestRateLimiter.perSecond(redis, `${prefix}:derive`, rps, waitUpToMs);
    // 60 per 1.1 s: a gap of 18.3 ms; the 250 ms wait holds 13 gaps: 13 jobs per 0.95 × 238 ms.
    expect(limiterOf(60).jobStartLimiter(1)).toEqual({ max: 13, duration: 226 });
    // 40 per 1.1 s (27.5 ms apart): 9 per 0.95 × 247.5 ms; over 4 shards (110 ms per round of the shards) 2 per 0.95 × 220 ms
    // each; over 8 shards one per 0.95 × 220 ms each.
    expect(limiterOf(40).jobStartLimiter(1)).toEqual({ max: 9, duration: 235 });
    expect(limiterOf(40).jobStartLimiter(4)).toEqual({ max: 2, duration: 209 });
    expect(limiterOf(40).jobStartLimiter(8)).toEqual({ max: 1, duration: 209 });
    // The margin is the window's, not added again: 10 per 1.1 s is a 110 ms gap, 2 per 0.95 × 220 ms.
    expect(limiterOf(10).jobStartLimiter(1)).toEqual({ max: 2, duration: 209 });
    // Fractional rates: one per 2.1 s (0.95 × 2 100 ms); over three shards one per 0.95 × 6 300 ms each.
    expect(limiterOf(0.5).jobStartLimiter(1)).toEqual({ max: 1, duration: 1_995 });
    expect(limiterOf(0.5).jobStartLimiter(3)).toEqual({ max: 1, duration: 5_985 });
    // No wait for a slot: one job at a time. 100/s over 64 shards: each one per 0.95 × 64 × 11 ms.
    expect(limiterOf(60, 0).jobStartLimiter(1)).toEqual({ max: 1, duration: 17 });
    expect(limiterOf(100).jobStartLimiter(64)).toEqual({ max: 1, duration: 668 });
    // Whatever the shape, the shards together start jobs a little faster than the window admits requests, never a lot.
    for (const [rps, shards] of [
      [1, 1],
      [7, 3],
      [60, 2],
      [100, 16],
      [0.3, 5],
      [250, 1],
      [1_000, 1],
    ] as const) {
      const { max, duration } = limiterOf(rps).jobStartLimiter(shards);
      const window = rpsWindow(rps);
      const ratio = (shards * max) / duration / (window.max / (window.duration + ARRIVAL_MARGIN_MS));
      expect(ratio).toBeGreaterThanOrEqual(1);
      expect(ratio).toBeLessThanOrEqual(1.2);
    }
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

  it('spaces admissions: with a gap, the k-th admission (from 0) comes at least k − 1 gaps after the first (Redis time)', async () => {
    // A minute-long window never fills here: only the gap holds requests back, and each waits for it (waitUpToMs).
    const key = `${prefix}:gap`;
    const gapMs = 150;
    const spaced = new RequestRateLimiter(redis, key, 100, 60_000, 10_000, gapMs);
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => outcome(spaced)));
    expect(outcomes).toEqual(Array.from({ length: 6 }, () => 'sent'));
    const entries: string[] = await redis.zrange(key, 0, '-1', 'WITHSCORES');
    const admissions = entries
      .flatMap((value, i) => (i % 2 === 1 && entries[i - 1] !== 'tat' ? [Number(value)] : []))
      .sort((a, b) => a - b);
    expect(admissions).toHaveLength(6);
    // One gap early at most (the tolerance): however late a waiter woke, never sooner than this.
    admissions.forEach((at, k) => expect(at).toBeGreaterThanOrEqual((admissions[0] as number) + (k - 1) * gapMs));
  });

  it('spaces admissions: a request asked within a gap of two back-to-back admissions is refused with at most the gap to wait', async () => {
    const key = `${prefix}:gap-refuse`;
    const gapMs = 5_000;
    const spaced = new RequestRateLimiter(redis, key, 100, 60_000, 0, gapMs);
    const first = await bracketed(() => Promise.all([outcome(spaced), outcome(spaced)]));
    expect(first.value).toEqual(['sent', 'sent']); // the tolerance: two may go back to back
    expectRefusedUntilFree(await bracketed(() => outcome(spaced)), first, gapMs);
  });

  it('spaces admissions: a gap further away than the wait bound is refused at once, and nothing is recorded for it', async () => {
    const key = `${prefix}:gap-bound`;
    const spaced = new RequestRateLimiter(redis, key, 100, 60_000, 250, 60_000);
    expect(await outcome(spaced)).toBe('sent');
    expect(await outcome(spaced)).toBe('sent');
    const refused = await outcome(spaced);
    expect(refused).toBeInstanceOf(RateBudgetExhaustedError);
    expect((refused as RateBudgetExhaustedError).retryAfterMs).toBeGreaterThan(250);
    expect(await redis.zcard(key)).toBe(3); // two admissions and `tat`
  });

  it('spaces admissions without loosening the sliding log: max per window still holds, `tat` not counted', async () => {
    // A 1 ms gap never holds anyone back for long; the minute-long window of 3 is the hard cap.
    const key = `${prefix}:gap-cap`;
    const a = new RequestRateLimiter(redis, key, 3, 60_000, 1_000, 1);
    const b = new RequestRateLimiter(other, key, 3, 60_000, 1_000, 1);
    const outcomes = await Promise.all([a, b, a, b].map(outcome));
    expect(outcomes.filter((o) => o === 'sent')).toHaveLength(3);
    const refused = outcomes.find((o) => o !== 'sent');
    expect(refused).toBeInstanceOf(RateBudgetExhaustedError);
    expect((refused as RateBudgetExhaustedError).retryAfterMs).toBeGreaterThan(1_000);
    expect(await outcome(a)).toBeInstanceOf(RateBudgetExhaustedError);
    expect(await redis.zscore(key, 'tat')).not.toBeNull();
    expect(await redis.zcard(key)).toBe(4); // three admissions and `tat`
  });
});
