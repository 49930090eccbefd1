import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  blendEstimate,
  BUCKET_COUNT,
  bucketHigh,
  bucketLow,
  bucketOf,
  CompletionEstimate,
  estimateFromHazards,
  finishedIncrements,
  LAST_EDGE_MS,
  pendingIncrements,
  type HazardHistogram,
} from '../src/index.js';

/**
 * A life table of tasks seen finishing around the given times (`count` of each, spread evenly in log
 * time over ±20 %: the piecewise-constant hazard of a life table fits a smooth distribution, not a spike).
 */
function lifeTable(points: [ms: number, count: number][]): HazardHistogram {
  const table: HazardHistogram = { events: new Float64Array(BUCKET_COUNT), exposure: new Float64Array(BUCKET_COUNT) };
  for (const [ms, count] of points) {
    for (let i = 0; i < 50; i++) {
      const at = ms * 1.2 ** ((i + 0.5) / 25 - 1);
      for (const [k, events, exposure] of [
        ...pendingIncrements({ fromMs: 0, toMs: at - 1 }),
        ...finishedIncrements({ afterMs: at - 1, atMostMs: at }, CompletionEstimate.none()),
      ]) {
        table.events[k] = (table.events[k] ?? 0) + (count / 50) * events;
        table.exposure[k] = (table.exposure[k] ?? 0) + (count / 50) * exposure;
      }
    }
  }
  return table;
}

/** Masses with `weight` in the bucket of each time. */
function massesAt(points: [ms: number, weight: number][]): Float64Array {
  const masses = new Float64Array(BUCKET_COUNT);
  for (const [ms, w] of points) masses[bucketOf(ms)] = (masses[bucketOf(ms)] ?? 0) + w;
  return masses;
}

describe('bucket layout', () => {
  it('covers (0, ∞) with contiguous buckets, four per doubling from 10 ms, each time in exactly one', () => {
    expect(bucketLow(0)).toBe(0);
    expect(bucketHigh(0)).toBe(10);
    for (let k = 1; k < BUCKET_COUNT; k++) expect(bucketLow(k)).toBe(bucketHigh(k - 1));
    expect(bucketHigh(4) / bucketLow(4)).toBeCloseTo(2 ** 0.25, 12);
    expect(bucketHigh(BUCKET_COUNT - 1)).toBe(Number.POSITIVE_INFINITY);
    expect(LAST_EDGE_MS).toBeGreaterThan(48 * 3_600_000);
    fc.assert(
      fc.property(fc.double({ min: 0.001, max: 1e9, noNaN: true }), (ms) => {
        const k = bucketOf(ms);
        expect(ms).toBeGreaterThan(bucketLow(k));
        expect(ms).toBeLessThanOrEqual(bucketHigh(k));
      }),
    );
    // Upper edges are inclusive, even where floating point rounds the logarithm up.
    for (let k = 1; k < BUCKET_COUNT - 1; k++) expect(bucketOf(bucketHigh(k))).toBe(k);
  });
});

describe('CompletionEstimate', () => {
  it('reads quantiles and the CDF from the masses, interpolating inside a bucket, each the inverse of the other', () => {
    const estimate = new CompletionEstimate(
      massesAt([
        [1_000, 1],
        [3_000, 2],
        [9_000, 1],
      ]),
      4,
      'shared',
    );
    expect(estimate.cdf(bucketHigh(bucketOf(1_000)))).toBeCloseTo(0.25, 12);
    expect(estimate.cdf(bucketLow(bucketOf(3_000)))).toBeCloseTo(0.25, 12);
    expect(estimate.cdf(bucketHigh(bucketOf(3_000)))).toBeCloseTo(0.75, 12);
    expect(estimate.cdf(20_000)).toBe(1);
    expect(estimate.cdf(0)).toBe(0);
    const median = estimate.quantile(0.5);
    expect(median).toBeGreaterThan(bucketLow(bucketOf(3_000)));
    expect(median).toBeLessThanOrEqual(bucketHigh(bucketOf(3_000)));
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 0.99, noNaN: true }), (p) => {
        expect(estimate.cdf(estimate.quantile(p))).toBeCloseTo(p, 9);
      }),
    );
  });

  it('puts tasks that never finished past every finite time', () => {
    const masses = massesAt([[2_000, 1]]);
    masses[BUCKET_COUNT - 1] = 1; // the open bucket: right-censored mass
    const estimate = new CompletionEstimate(masses, 2, 'shared');
    expect(estimate.cdf(LAST_EDGE_MS)).toBeCloseTo(0.5, 12);
    expect(estimate.quantile(0.9)).toBe(Number.POSITIVE_INFINITY);
  });

  it('turns a life table (completions and time at risk per bucket) into a distribution', () => {
    // Tasks seen finishing at exactly 1 s (60 of them) and 8 s (40): the fraction done by 2 s is 0.6.
    const estimate = estimateFromHazards(
      lifeTable([
        [1_000, 60],
        [8_000, 40],
      ]),
      100,
      'shared',
    );
    expect(Math.abs(estimate.cdf(2_000) - 0.6)).toBeLessThan(0.015);
    expect(estimate.cdf(11_000)).toBeCloseTo(1, 9);
    expect(estimate.quantile(0.5)).toBeLessThan(1_200);
    expect(estimate.quantile(0.7)).toBeGreaterThan(6_600);
    // 10 still pending at 20 s (never finished): the estimate keeps them past everything seen.
    const censored = lifeTable([
      [1_000, 60],
      [8_000, 30],
    ]);
    for (const [k, , exposure] of pendingIncrements({ fromMs: 0, toMs: 20_000 }))
      censored.exposure[k] = (censored.exposure[k] ?? 0) + 10 * exposure;
    const withTail = estimateFromHazards(censored, 90, 'shared');
    expect(Math.abs(withTail.cdf(20_000) - 0.9)).toBeLessThan(0.015);
    expect(Math.abs(withTail.cdf(2_000) - 0.6)).toBeLessThan(0.015);
    expect(withTail.quantile(0.95)).toBe(Number.POSITIVE_INFINITY);
  });

  it('blends a kind with the shared estimate as a prior worth minSamples completions, and says when nothing is usable', () => {
    const shared = lifeTable([[1_000, 100]]);
    const kind = lifeTable([[8_000, 20]]);
    const blended = blendEstimate(kind, shared, 20);
    expect(blended.source).toBe('kind');
    expect(blended.samples).toBeCloseTo(40, 9);
    expect(Math.abs(blended.cdf(2_000) - 0.5)).toBeLessThan(0.01); // half its own 20, half the shared prior's 20
    expect(blendEstimate(lifeTable([[8_000, 980]]), shared, 20).cdf(2_000)).toBeCloseTo(0.02, 2);
    expect(blendEstimate(undefined, shared, 20).source).toBe('shared');
    expect(blendEstimate(undefined, lifeTable([[1_000, 19]]), 20).source).toBe('none');
    expect(blendEstimate(kind, lifeTable([[1_000, 5]]), 20).source).toBe('kind'); // 20 of its own suffice
    expect(blendEstimate(lifeTable([[1_000, 5]]), lifeTable([]), 20).source).toBe('none');
  });
});

describe('observation increments (life table, with one E-step of the self-consistency estimator)', () => {
  const flat = CompletionEstimate.none();

  it('counts a "not yet" as time at risk over exactly the buckets of its interval', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.double({ min: 1, max: 1e6, noNaN: true }), (from, width) => {
        const increments = pendingIncrements({ fromMs: from, toMs: from + width });
        expect(increments.length).toBeGreaterThan(0);
        for (const [k, events, exposure] of increments) {
          expect(events).toBe(0);
          expect(exposure).toBeGreaterThan(0);
          expect(exposure).toBeLessThanOrEqual(1 + 1e-12);
          expect(bucketHigh(k)).toBeGreaterThan(from);
          expect(bucketLow(k)).toBeLessThan(from + width);
        }
      }),
    );
    expect(pendingIncrements({ fromMs: 0, toMs: bucketHigh(40) }).reduce((s, [, , x]) => s + x, 0)).toBeCloseTo(41, 9);
  });

  it('spreads one completion over the interval, with full exposure before it and half where it happened', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.double({ min: 1, max: 1e6, noNaN: true }), (after, width) => {
        const increments = finishedIncrements({ afterMs: after, atMostMs: after + width }, flat);
        expect(increments.reduce((s, [, e]) => s + e, 0)).toBeCloseTo(1, 9);
        const pending = pendingIncrements({ fromMs: after, toMs: after + width });
        increments.forEach(([k, events, exposure], i) => {
          expect(events).toBeGreaterThan(0);
          expect(k).toBe(pending[i]?.[0]);
          expect(exposure).toBeLessThanOrEqual((pending[i]?.[2] ?? 0) + 1e-12); // never more at risk than pending throughout
        });
      }),
    );
    const [only] = finishedIncrements({ afterMs: 1_000, atMostMs: 1_001 }, flat);
    expect(only?.[1]).toBeCloseTo(1, 12);
    expect(only?.[2]).toBeCloseTo((pendingIncrements({ fromMs: 1_000, toMs: 1_001 })[0]?.[2] ?? 0) / 2, 12);
  });

  it('weights the overlapped buckets by the current estimate (plus a small flat prior)', () => {
    const estimate = estimateFromHazards(lifeTable([[3_000, 50]]), 50, 'shared');
    const increments = finishedIncrements({ afterMs: 1_000, atMostMs: 5_000 }, estimate);
    const near3s = increments.filter(([k]) => bucketHigh(k) > 2_400 && bucketLow(k) < 3_600).reduce((sum, [, e]) => sum + e, 0);
    expect(near3s).toBeGreaterThan(0.9);
    expect(increments.length).toBeGreaterThan(5); // the prior keeps the others reachable
  });

  it('ignores intervals that say nothing', () => {
    expect(finishedIncrements({ afterMs: 5_000, atMostMs: 5_000 }, flat)).toEqual([]);
    expect(finishedIncrements({ afterMs: 5_000, atMostMs: 4_000 }, flat)).toEqual([]);
    expect(finishedIncrements({ afterMs: Number.NaN, atMostMs: 4_000 }, flat)).toEqual([]);
    expect(pendingIncrements({ fromMs: 4_000, toMs: 4_000 })).toEqual([]);
  });
});
