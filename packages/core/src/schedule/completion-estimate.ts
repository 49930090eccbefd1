import { BUCKET_COUNT, bucketOf, fractionBelow, OPEN_BUCKET, timeAtFraction } from './completion-buckets.js';

/**
 * Where an estimate comes from: the task's kind (blended with the shared estimate while the kind has
 * few samples), the shared estimate alone (no kind, an unknown kind, or one past the kind cap), or
 * nothing usable yet (the schedule falls back to the exponential back-off).
 */
export type EstimateSource = 'kind' | 'shared' | 'none';

/**
 * A learned distribution of completion times (ms since `submittedAt`): bucket masses in the layout of
 * `completion-buckets.ts`, normalised, with the effective number of observations behind them (the
 * decayed count: a recent observation weighs 1, one a half-life ago ½).
 */
export class CompletionEstimate {
  /** cumulative[k] = probability of finishing within buckets 0 … k. */
  private readonly cumulative: Float64Array;
  readonly probabilities: Float64Array;

  constructor(
    masses: ArrayLike<number>,
    /** Effective (decayed) observations behind the estimate. */
    readonly samples: number,
    readonly source: EstimateSource,
  ) {
    if (masses.length !== BUCKET_COUNT) throw new RangeError(`expected ${BUCKET_COUNT} bucket masses, got ${masses.length}`);
    let total = 0;
    for (let k = 0; k < BUCKET_COUNT; k++) total += Math.max(0, masses[k] ?? 0);
    this.probabilities = new Float64Array(BUCKET_COUNT);
    this.cumulative = new Float64Array(BUCKET_COUNT);
    let running = 0;
    for (let k = 0; k < BUCKET_COUNT; k++) {
      const p = total > 0 ? Math.max(0, masses[k] ?? 0) / total : 0;
      this.probabilities[k] = p;
      running += p;
      this.cumulative[k] = running;
    }
  }

  /** No data: every schedule decision falls back to the exponential back-off. */
  static none(): CompletionEstimate {
    return new CompletionEstimate(new Float64Array(BUCKET_COUNT), 0, 'none');
  }

  get usable(): boolean {
    return this.source !== 'none';
  }

  /** P(done by `ms` after submission). */
  cdf(ms: number): number {
    if (!this.usable || !(ms > 0)) return 0;
    const k = bucketOf(ms);
    const below = k === 0 ? 0 : (this.cumulative[k - 1] ?? 0);
    return Math.min(1, below + (this.probabilities[k] ?? 0) * fractionBelow(k, ms));
  }

  /**
   * The time by which a share `p` of tasks is done (∞ when that share lies in the open bucket, i.e.
   * past anything observed). Interpolated inside the bucket (log-uniform), so it moves smoothly.
   */
  quantile(p: number): number {
    if (!this.usable) return Number.NaN;
    const target = Math.min(Math.max(p, 0), 1);
    for (let k = 0; k < BUCKET_COUNT; k++) {
      const upTo = this.cumulative[k] ?? 0;
      const mass = this.probabilities[k] ?? 0;
      if (mass > 0 && upTo >= target) {
        if (k === OPEN_BUCKET) return Number.POSITIVE_INFINITY;
        return timeAtFraction(k, (target - (upTo - mass)) / mass);
      }
    }
    return Number.POSITIVE_INFINITY;
  }
}

/** Bucket masses as a store returns them (already decayed to "now"), with their total. */
export type BucketMasses = { masses: Float64Array; total: number };

/**
 * The estimate a task of a kind uses: the kind's histogram blended with the shared one as if the
 * shared estimate were worth `minSamples` observations of this kind (a Bayesian prior). A kind with
 * no data reads the shared estimate; one with 20 samples (at `minSamples` = 20) is half its own, half
 * shared; with hundreds, its own. Neither has `minSamples` effective observations → `none`.
 */
export function blendEstimate(kind: BucketMasses | undefined, shared: BucketMasses, minSamples: number): CompletionEstimate {
  const sharedUsable = shared.total >= minSamples;
  const kindTotal = kind?.total ?? 0;
  if (kind === undefined || kindTotal <= 0) {
    return sharedUsable ? new CompletionEstimate(shared.masses, shared.total, 'shared') : CompletionEstimate.none();
  }
  if (!sharedUsable) {
    return kindTotal >= minSamples ? new CompletionEstimate(kind.masses, kindTotal, 'kind') : CompletionEstimate.none();
  }
  const blended = new Float64Array(BUCKET_COUNT);
  for (let k = 0; k < BUCKET_COUNT; k++) {
    blended[k] = (kind.masses[k] ?? 0) + (minSamples * (shared.masses[k] ?? 0)) / shared.total;
  }
  return new CompletionEstimate(blended, kindTotal + minSamples, 'kind');
}
