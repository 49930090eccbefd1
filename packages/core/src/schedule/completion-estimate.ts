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

/**
 * A learned histogram as a store returns it (decayed to "now"): per bucket, completions seen in it
 * (events) and time tasks spent at risk in it (exposure, in bucket widths). Their ratio is the
 * bucket's hazard, as in a life table; `events` sum to the effective number of completions.
 */
export type HazardHistogram = { events: Float64Array; exposure: Float64Array };

/** Effective (decayed) completions behind a histogram. */
export function completionsIn(histogram: HazardHistogram): number {
  let total = 0;
  for (const e of histogram.events) total += e;
  return total;
}

/**
 * The distribution a life table implies, by the actuarial estimator: of the tasks at risk when bucket
 * k starts (≈ exposure + events / 2, since a completion counts half its bucket as time at risk), the
 * share events / that finish in it. (exp(−events/exposure), the constant-hazard form, agrees for
 * small shares but never lets the last bucket empty: it would leave a phantom tail that never
 * finishes.) Up to the last bucket anyone was at risk in, everything is estimated; what survives past
 * it lands in the open bucket ("later than anything seen").
 */
export function estimateFromHazards(histogram: HazardHistogram, samples: number, source: EstimateSource): CompletionEstimate {
  const masses = new Float64Array(BUCKET_COUNT);
  let survival = 1;
  for (let k = 0; k < OPEN_BUCKET; k++) {
    const exposure = histogram.exposure[k] ?? 0;
    if (!(exposure > 0)) break;
    const events = histogram.events[k] ?? 0;
    const next = survival * Math.max(0, 1 - events / (exposure + events / 2));
    masses[k] = survival - next;
    survival = next;
  }
  masses[OPEN_BUCKET] = survival;
  return new CompletionEstimate(masses, samples, source);
}

/**
 * The estimate a task of a kind uses: the kind's life table blended with the shared one as if the
 * shared were worth `minSamples` completions of this kind (a Bayesian prior: its events and exposure
 * scaled to that weight). A kind with no data reads the shared estimate; one with 20 completions (at
 * `minSamples` = 20) is half its own, half shared; with hundreds, its own. Fewer than `minSamples`
 * effective completions in total → `none`.
 */
export function blendEstimate(kind: HazardHistogram | undefined, shared: HazardHistogram, minSamples: number): CompletionEstimate {
  const sharedTotal = completionsIn(shared);
  const sharedUsable = sharedTotal >= minSamples;
  const kindTotal = kind ? completionsIn(kind) : 0;
  if (kind === undefined || kindTotal <= 0) {
    return sharedUsable ? estimateFromHazards(shared, sharedTotal, 'shared') : CompletionEstimate.none();
  }
  if (!sharedUsable) return kindTotal >= minSamples ? estimateFromHazards(kind, kindTotal, 'kind') : CompletionEstimate.none();
  const weight = minSamples / sharedTotal;
  const blended: HazardHistogram = { events: new Float64Array(BUCKET_COUNT), exposure: new Float64Array(BUCKET_COUNT) };
  for (let k = 0; k < BUCKET_COUNT; k++) {
    blended.events[k] = (kind.events[k] ?? 0) + weight * (shared.events[k] ?? 0);
    blended.exposure[k] = (kind.exposure[k] ?? 0) + weight * (shared.exposure[k] ?? 0);
  }
  return estimateFromHazards(blended, kindTotal + minSamples, 'kind');
}
