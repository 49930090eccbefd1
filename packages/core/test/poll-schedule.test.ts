import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deadlineAt, isPastDeadline, nextPollDelay } from '../src/index.js';

const config = { POLL_INITIAL_DELAY_MS: 1_000, POLL_MAX_DELAY_MS: 30_000 };
const mid = () => 0.5;

describe('nextPollDelay', () => {
  it('doubles from the initial delay and stops at the cap (no jitter at random = 0.5)', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((p) => nextPollDelay(p, config, mid))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000,
    ]);
    expect(nextPollDelay(0, config, mid)).toBe(1_000);
  });

  it('jitters by ±20 % around the base', () => {
    expect(nextPollDelay(3, config, () => 0)).toBe(3_200);
    expect(nextPollDelay(3, config, () => 0.999999)).toBe(4_800);
  });

  it('never goes below the initial delay nor above the cap, whatever the poll count and randomness', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (polls, r, initial, extra) => {
          const c = { POLL_INITIAL_DELAY_MS: initial, POLL_MAX_DELAY_MS: initial + extra };
          const delay = nextPollDelay(polls, c, () => r);
          expect(delay).toBeGreaterThanOrEqual(initial);
          expect(delay).toBeLessThanOrEqual(initial + extra);
          expect(Number.isInteger(delay)).toBe(true);
        },
      ),
    );
  });

  it('treats Retry-After as a lower bound, even past the cap', () => {
    expect(nextPollDelay(1, config, mid, 5_000)).toBe(5_000);
    expect(nextPollDelay(1, config, mid, 120_000)).toBe(120_000);
    expect(nextPollDelay(5, config, mid, 100)).toBe(16_000);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 3_600_000 }), (polls, retryAfter) => {
        expect(nextPollDelay(polls, config, Math.random, retryAfter)).toBeGreaterThanOrEqual(retryAfter);
      }),
    );
  });
});

describe('deadline', () => {
  const deadline = { TASK_DEADLINE_MS: 60_000 };
  it('is submittedAt + TASK_DEADLINE_MS', () => {
    const submittedAt = '2026-11-28T10:00:00.000Z';
    expect(deadlineAt(submittedAt, deadline)).toBe(Date.parse(submittedAt) + 60_000);
    expect(isPastDeadline(submittedAt, deadline, Date.parse(submittedAt) + 59_999)).toBe(false);
    expect(isPastDeadline(submittedAt, deadline, Date.parse(submittedAt) + 60_000)).toBe(true);
  });
});
