import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  blendEstimate,
  BUCKET_COUNT,
  bucketHigh,
  bucketLow,
  bucketOf,
  CompletionEstimate,
  LAST_EDGE_MS,
  spreadObservation,
} from '../src/index.js';

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

  it('blends a kind with the shared estimate as a prior worth minSamples observations, and says when nothing is usable', () => {
    const shared = { masses: massesAt([[1_000, 100]]), total: 100 };
    const kind = { masses: massesAt([[8_000, 20]]), total: 20 };
    const blended = blendEstimate(kind, shared, 20);
    expect(blended.source).toBe('kind');
    expect(blended.samples).toBe(40);
    expect(blended.cdf(2_000)).toBeCloseTo(0.5, 12); // half its own 20, half the shared prior's 20

    const many = blendEstimate({ masses: massesAt([[8_000, 980]]), total: 980 }, shared, 20);
    expect(many.cdf(2_000)).toBeCloseTo(0.02, 12);

    expect(blendEstimate(undefined, shared, 20).source).toBe('shared');
    expect(blendEstimate(undefined, { masses: massesAt([[1_000, 19]]), total: 19 }, 20).source).toBe('none');
    expect(blendEstimate(kind, { masses: massesAt([[1_000, 5]]), total: 5 }, 20).source).toBe('kind'); // 20 of its own suffice
    expect(
      blendEstimate({ masses: massesAt([[1_000, 5]]), total: 5 }, { masses: new Float64Array(BUCKET_COUNT), total: 0 }, 20).source,
    ).toBe('none');
  });
});

describe('spreadObservation (one E-step of the self-consistency estimator)', () => {
  const flat = CompletionEstimate.none();

  it('spreads one unit over exactly the buckets the interval overlaps', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.double({ min: 1, max: 1e6, noNaN: true }), (after, width) => {
        const increments = spreadObservation({ afterMs: after, atMostMs: after + width }, flat);
        expect(increments.reduce((s, [, w]) => s + w, 0)).toBeCloseTo(1, 9);
        for (const [k, w] of increments) {
          expect(w).toBeGreaterThan(0);
          expect(bucketHigh(k)).toBeGreaterThan(after);
          expect(bucketLow(k)).toBeLessThan(after + width);
        }
      }),
    );
  });

  it('weights the overlapped buckets by the current estimate (plus a small flat prior)', () => {
    const estimate = new CompletionEstimate(massesAt([[3_000, 1]]), 50, 'shared');
    const increments = spreadObservation({ afterMs: 1_000, atMostMs: 5_000 }, estimate);
    const at3s = increments.find(([k]) => k === bucketOf(3_000))?.[1] ?? 0;
    expect(at3s).toBeGreaterThan(0.8);
    expect(increments.length).toBeGreaterThan(5); // the prior keeps the others reachable
  });

  it('ignores intervals that say nothing, and sends "never finished" to the open bucket', () => {
    expect(spreadObservation({ afterMs: 5_000, atMostMs: 5_000 }, flat)).toEqual([]);
    expect(spreadObservation({ afterMs: 5_000, atMostMs: 4_000 }, flat)).toEqual([]);
    expect(spreadObservation({ afterMs: Number.NaN, atMostMs: 4_000 }, flat)).toEqual([]);
    const never = spreadObservation({ afterMs: LAST_EDGE_MS * 2, atMostMs: Number.POSITIVE_INFINITY }, flat);
    expect(never).toEqual([[BUCKET_COUNT - 1, 1]]);
  });
});
