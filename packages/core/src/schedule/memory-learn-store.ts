import { BUCKET_COUNT } from './completion-buckets.js';
import type { BucketMasses } from './completion-estimate.js';
import { nextExponent, readFactor, RESCALE_EXPONENT, type DecaySettings, type LearnStore, type RecordInput } from './learn-store.js';
import type { BucketIncrements } from './spread-observation.js';

type Histogram = { e: number; t: number; values: Float64Array };

/**
 * The learner's store in one process's memory: what the offline bench and unit tests use. The same
 * arithmetic as the Redis script (`redis-learn-store.ts`), so the bench measures what the worker does.
 */
export class MemoryLearnStore implements LearnStore {
  private readonly histograms = new Map<string, Histogram>();
  private shared: Histogram | undefined;
  /** kind → last observed at (Map order = insertion order; re-inserted on each observation). */
  private readonly index = new Map<string, number>();

  constructor(readonly settings: DecaySettings) {}

  async record({ kind, kindIncrements, sharedIncrements, now }: RecordInput): Promise<{ kindAccepted: boolean }> {
    let kindAccepted = false;
    if (kind !== undefined) {
      this.forgetIdle(now);
      if (this.index.has(kind) || this.index.size < this.settings.maxKinds) {
        kindAccepted = true;
        this.index.delete(kind);
        this.index.set(kind, now);
        this.histograms.set(kind, this.add(this.histograms.get(kind), kindIncrements, now));
      }
    }
    this.shared = this.add(this.shared, sharedIncrements, now);
    return { kindAccepted };
  }

  async read(kind: string | undefined, now: number): Promise<{ kind: BucketMasses | undefined; shared: BucketMasses }> {
    this.forgetIdle(now);
    const own = kind === undefined ? undefined : this.histograms.get(kind);
    return { kind: own && this.decayed(own, now), shared: this.decayed(this.shared, now) };
  }

  async kinds(now: number): Promise<string[]> {
    this.forgetIdle(now);
    return [...this.index.keys()];
  }

  private forgetIdle(now: number): void {
    for (const [kind, seen] of this.index) {
      if (seen > now - this.settings.kindIdleMs) break; // insertion order = last-seen order
      this.index.delete(kind);
      this.histograms.delete(kind);
    }
  }

  private add(existing: Histogram | undefined, increments: BucketIncrements, now: number): Histogram {
    // Idle past the TTL the Redis store gives every histogram: start afresh, as Redis would.
    const histogram = existing && now - existing.t < this.settings.kindIdleMs ? existing : undefined;
    const h = histogram ?? { e: 0, t: now, values: new Float64Array(BUCKET_COUNT) };
    let e = nextExponent(histogram, now, this.settings);
    if (e > RESCALE_EXPONENT) {
      const down = 2 ** -e;
      for (let k = 0; k < BUCKET_COUNT; k++) h.values[k] = (h.values[k] ?? 0) * down;
      e = 0;
    }
    const up = 2 ** e;
    for (const [k, w] of increments) h.values[k] = (h.values[k] ?? 0) + w * up;
    h.e = e;
    h.t = Math.max(h.t, now);
    return h;
  }

  private decayed(histogram: Histogram | undefined, now: number): BucketMasses {
    const masses = new Float64Array(BUCKET_COUNT);
    if (!histogram || now - histogram.t >= this.settings.kindIdleMs) return { masses, total: 0 };
    const factor = readFactor(histogram, now, this.settings);
    let total = 0;
    for (let k = 0; k < BUCKET_COUNT; k++) {
      const m = (histogram.values[k] ?? 0) * factor;
      masses[k] = m;
      total += m;
    }
    return { masses, total };
  }
}
