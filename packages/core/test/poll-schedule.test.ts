import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deadlineAt, isPastDeadline, nextPollDelay } from '../src/index.js';

const config = { POLL_INITIAL_DELAY_MS: 1_000, POLL_MAX_DELAY_MS: 30_000 };
const mid = () => 0.5;

describe('nextPollDelay', () => {
  it('doubles from the initial delay and stops at the cap, jittered within [initial, cap]', () => {
    // random = 0.5 is the middle of each jitter range: [1000, 1200] at first, [24000, 30000] at the cap.
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((p) => nextPollDelay(p, config, mid))).toEqual([
      1_100, 2_000, 4_000, 8_000, 16_000, 27_000, 27_000, 27_000,
    ]);
    expect(nextPollDelay(0, config, mid)).toBe(1_100);
  });

  it('jitters by ±20 % around the base', () => {
    expect(nextPollDelay(3, config, () => 0)).toBe(3_200);
    expect(nextPollDelay(3, config, () => 0.999999)).toBe(4_800);
  });

  it('jitters after clamping: capped delays spread below the cap instead of piling up on it', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16_807) % 2_147_483_647) - 1) / 2_147_483_646;
    const delays = Array.from({ length: 1_000 }, () => nextPollDelay(20, config, random));
    expect(delays.filter((d) => d === 30_000).length).toBeLessThan(5); // jitter before the clamp: about half
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(24_000);
    expect(new Set(delays).size).toBeGreaterThan(900);
    // The same at the floor: the first delays spread over [initial, 1.2 × initial].
    const first = Array.from({ length: 1_000 }, () => nextPollDelay(1, config, random));
    expect(first.filter((d) => d === 1_000).length).toBeLessThan(20); // 201 values: about 5 each (before: about half)
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
    expect(nextPollDelay(20, config, mid, 100)).toBe(27_000);
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
