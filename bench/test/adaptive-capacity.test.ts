import { describe, expect, it } from 'vitest';
import { capacityWithin, type CapacityPoint } from '../src/adaptive/capacity.js';

const point = (arrivalsPerSecond: number, p95LagMs: number): CapacityPoint => ({
  arrivalsPerSecond,
  tasksPerSecond: arrivalsPerSecond,
  getsPerSecond: 0,
  meanPolls: 1,
  p50LagMs: 0,
  p95LagMs,
});

describe('capacityWithin (the arrival rate where the p95 lag reaches the bound)', () => {
  it('interpolates between the last rate within the bound and the first beyond it', () => {
    // Within at 10 (lag 800), beyond at 14 (lag 1,800): the bound 1,000 is crossed a fifth of the way, at 10.8.
    const capacity = capacityWithin([point(6, 700), point(10, 800), point(14, 1_800)], 1_000);
    expect(capacity?.within).toBe(10);
    expect(capacity?.beyond).toBe(14);
    expect(capacity?.arrivalsPerSecond).toBeCloseTo(10.8, 10);
  });

  it('stops at the first rate beyond the bound: a later dip back within it (noise) does not count', () => {
    const capacity = capacityWithin([point(6, 700), point(10, 1_200), point(14, 900)], 1_000);
    expect(capacity).toMatchObject({ within: 6, beyond: 10 });
    expect(capacity?.arrivalsPerSecond).toBeCloseTo(6 + (300 / 500) * 4, 10);
  });

  it('takes the points in order of rate, whatever order they come in', () => {
    expect(capacityWithin([point(14, 1_800), point(6, 700), point(10, 800)], 1_000)).toMatchObject({ within: 10, beyond: 14 });
  });

  it('is the highest rate scanned, with no `beyond`, when every rate is within the bound (a lower bound)', () => {
    expect(capacityWithin([point(6, 700), point(10, 900)], 1_000)).toEqual({ arrivalsPerSecond: 10, within: 10 });
  });

  it('is undefined when even the lowest rate is beyond the bound, or nothing was scanned', () => {
    expect(capacityWithin([point(6, 1_100), point(10, 1_300)], 1_000)).toBeUndefined();
    expect(capacityWithin([], 1_000)).toBeUndefined();
  });

  it('counts a lag exactly at the bound as within it', () => {
    expect(capacityWithin([point(6, 700), point(10, 1_000), point(14, 2_000)], 1_000)).toMatchObject({ within: 10, beyond: 14 });
  });
});
