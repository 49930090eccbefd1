import { describe, expect, it } from 'vitest';
import { planRetry, startDelivery } from '../src/index.js';

// The webhook back-off as a table: expected times are literals worked out from the documented rule (the
// schedule's next delay plus 0-20 % jitter, at least Retry-After; the end only after the schedule's span),
// not from the code under test. webhooks.test.ts checks the same plan end to end against real receivers.
const SCHEDULE = [1_000, 5_000, 30_000]; // span 36 s
const T0 = 1_700_000_000_000;

describe('startDelivery', () => {
  it('starts the schedule now: no attempt yet, its retries planned, the deadline one span away', () => {
    expect(startDelivery('https://hooks.example.com', SCHEDULE, T0)).toEqual({
      endpoint: 'https://hooks.example.com',
      attempts: 0,
      retries: 0,
      plannedRetries: 3,
      firstAttemptAt: T0,
      deadlineAt: T0 + 36_000,
    });
  });

  it('counts a replay, and leaves the field out of a delivery never replayed', () => {
    expect(startDelivery('e', SCHEDULE, T0, 2)).toMatchObject({ replays: 2, deadlineAt: T0 + 36_000 });
    expect(startDelivery('e', SCHEDULE, T0, 0)).not.toHaveProperty('replays');
  });
});

describe('planRetry', () => {
  const state = (retries: number, deadlineAt = T0 + 36_000) => ({ retries, deadlineAt });

  it('waits the schedule’s next delay, never sooner, at most 20 % later (jitter)', () => {
    expect(planRetry(state(0), SCHEDULE, T0, undefined, () => 0)).toEqual({ kind: 'retry', at: T0 + 1_000 });
    expect(planRetry(state(1), SCHEDULE, T0, undefined, () => 0.5)).toEqual({ kind: 'retry', at: T0 + 5_500 });
    expect(planRetry(state(2), SCHEDULE, T0, undefined, () => 0.999)).toEqual({ kind: 'retry', at: T0 + 35_994 });
  });

  it('rounds the jittered delay to whole milliseconds', () => {
    expect(planRetry(state(0), [333], T0, undefined, () => 0.5)).toEqual({ kind: 'retry', at: T0 + 366 }); // 366.3
    expect(planRetry(state(0), [335], T0, undefined, () => 0.5)).toEqual({ kind: 'retry', at: T0 + 369 }); // 368.5
  });

  it('waits at least the receiver’s Retry-After, and the schedule when that is longer', () => {
    expect(planRetry(state(0), SCHEDULE, T0, 10_000, () => 0)).toEqual({ kind: 'retry', at: T0 + 10_000 });
    expect(planRetry(state(1), SCHEDULE, T0, 2_000, () => 0)).toEqual({ kind: 'retry', at: T0 + 5_000 });
  });

  it('ends (dead letter) after the last scheduled retry once the span has passed, not before', () => {
    expect(planRetry(state(3), SCHEDULE, T0 + 36_000, undefined, () => 0)).toEqual({ kind: 'dead-letter' });
    expect(planRetry(state(3), SCHEDULE, T0 + 50_000, 60_000, () => 0)).toEqual({ kind: 'dead-letter' });
  });

  it('a schedule used up before its span (made shorter since the delivery started) gets one last try at the deadline', () => {
    // Started on a 36 s schedule, now configured [1 s]: after its one retry, 10 s in, it waits for the old deadline.
    expect(planRetry(state(1), [1_000], T0 + 10_000, undefined, () => 0)).toEqual({ kind: 'retry', at: T0 + 36_000 });
    // ...or for the receiver's Retry-After when that ends later.
    expect(planRetry(state(1), [1_000], T0 + 10_000, 40_000, () => 0)).toEqual({ kind: 'retry', at: T0 + 50_000 });
    // One millisecond before the deadline is still before it.
    expect(planRetry(state(1), [1_000], T0 + 35_999, undefined, () => 0)).toEqual({ kind: 'retry', at: T0 + 36_000 });
  });
});
