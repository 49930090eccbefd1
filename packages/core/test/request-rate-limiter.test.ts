import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ARRIVAL_MARGIN_MS, AsposeTransientError, RateBudgetExhaustedError, RequestRateLimiter } from '../src/index.js';

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

async function outcome(limiter: RequestRateLimiter): Promise<'sent' | RateBudgetExhaustedError> {
  try {
    await limiter.acquire('task-1');
    return 'sent';
  } catch (error) {
    if (error instanceof RateBudgetExhaustedError) return error;
    throw error;
  }
}

describe('RequestRateLimiter', () => {
  it('admits max requests per sliding window across every process sharing the key', async () => {
    const key = `${prefix}:a`;
    const a = new RequestRateLimiter(redis, key, 5, 400);
    const b = new RequestRateLimiter(other, key, 5, 400);
    const first = await Promise.all([a, b, a, b, a].map(outcome));
    expect(first).toEqual(['sent', 'sent', 'sent', 'sent', 'sent']);
    const refused = await outcome(b);
    expect(refused).toBeInstanceOf(RateBudgetExhaustedError);
    const error = refused as RateBudgetExhaustedError;
    expect(error.code).toBe('RATE_BUDGET_EXHAUSTED');
    expect(error).not.toBeInstanceOf(AsposeTransientError); // our own budget, not an answer from Aspose
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(error.retryAfterMs).toBeLessThanOrEqual(400);
    expect(error.message).toMatch(/ASPOSE_MAX_RPS reached \(5 per 400 ms across all replicas\) for task task-1/);
  });

  it('slides: a slot frees when its request leaves the window, not at a window boundary', async () => {
    const limiter = new RequestRateLimiter(redis, `${prefix}:slide`, 3, 400);
    expect(await outcome(limiter)).toBe('sent');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect([await outcome(limiter), await outcome(limiter)]).toEqual(['sent', 'sent']);
    const refused = (await outcome(limiter)) as RateBudgetExhaustedError;
    expect(refused.retryAfterMs).toBeLessThanOrEqual(210); // when the first one leaves, not 400 ms
    await new Promise((resolve) => setTimeout(resolve, refused.retryAfterMs + 5));
    expect(await outcome(limiter)).toBe('sent'); // the first left: one slot
    expect(await outcome(limiter)).toBeInstanceOf(RateBudgetExhaustedError); // the two from t=200 are still in
  });

  it('turns ASPOSE_MAX_RPS into a window, fractional rates included', async () => {
    const whole = RequestRateLimiter.perSecond(redis, `${prefix}:b`, 3);
    expect(await Promise.all([1, 2, 3, 4].map(() => outcome(whole)))).toEqual([
      'sent',
      'sent',
      'sent',
      expect.any(RateBudgetExhaustedError),
    ]);
    const slow = RequestRateLimiter.perSecond(redis, `${prefix}:c`, 0.5);
    expect(await outcome(slow)).toBe('sent');
    const refused = (await outcome(slow)) as RateBudgetExhaustedError;
    expect(refused.retryAfterMs).toBeGreaterThan(1_500);
    // Two seconds plus the margin for requests that reach Aspose late (ARRIVAL_MARGIN_MS).
    expect(refused.retryAfterMs).toBeLessThanOrEqual(2_000 + ARRIVAL_MARGIN_MS);
  });
});
