import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maxInSlidingWindow } from '../src/index.js';

/** The definition, by brute force: for each time t, how many times fall in [t, t + window). */
function bruteForce(times: readonly number[], windowMs: number): number {
  return Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + windowMs).length));
}

describe('maxInSlidingWindow', () => {
  it('counts the busiest half-open window, whatever the order of the times', () => {
    expect(maxInSlidingWindow([], 1_000)).toBe(0);
    expect(maxInSlidingWindow([5], 1_000)).toBe(1);
    expect(maxInSlidingWindow([2_000, 0, 999, 1_000], 1_000)).toBe(2); // 0 and 999; 1 000 is in the next window
    expect(maxInSlidingWindow([0, 0, 0, 1_000, 1_000], 1_000)).toBe(3);
    expect(maxInSlidingWindow([0, 10, 20, 30], 15)).toBe(2);
  });

  it('agrees with the definition on any times and window', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5_000, max: 5_000 }), { maxLength: 60 }), fc.integer({ min: 1, max: 3_000 }), (times, w) => {
        expect(maxInSlidingWindow(times, w)).toBe(bruteForce(times, w));
      }),
    );
  });

  it('throws, instead of spinning forever, on a window of 0 or less, or on times that are not numbers', () => {
    // A caller that shrinks the window by a measured lag can reach these: a synchronous endless loop
    // there hung the whole test run, past every timeout.
    expect(() => maxInSlidingWindow([1, 2, 3], 0)).toThrow(RangeError);
    expect(() => maxInSlidingWindow([1, 2, 3], -20)).toThrow(/positive number of ms, got -20/);
    expect(() => maxInSlidingWindow([1, 2, 3], Number.NaN)).toThrow(RangeError);
    expect(() => maxInSlidingWindow([1, Number.NaN], 1_000)).toThrow(/finite number, got NaN/);
    expect(() => maxInSlidingWindow([1, Number.POSITIVE_INFINITY], 1_000)).toThrow(RangeError);
  });
});
