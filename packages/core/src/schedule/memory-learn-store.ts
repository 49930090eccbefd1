import { BUCKET_COUNT } from './completion-buckets.js';
import type { HazardHistogram } from './completion-estimate.js';
import { nextExponent, readFactor, RESCALE_EXPONENT, type DecaySettings, type LearnStore, type RecordInput } from './learn-store.js';
import type { BucketIncrement } from './observation-increments.js';

type Histogram = { e: number; t: number; events: Float64Array; exposure: Float64Array };

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

  async record({ kind, increments, completions, now }: RecordInput): Promise<{ kindAccepted: boolean }> {
    let kindAccepted = false;
    if (kind !== undefined) {
      this.forgetIdle(now);
      if (this.index.has(kind) || this.index.size < this.settings.maxKinds) {
        kindAccepted = true;
        this.index.delete(kind);
        this.index.set(kind, now);
        this.histograms.set(kind, this.add(this.histograms.get(kind), increments, completions, now));
      }
    }
    this.shared = this.add(this.shared, increments, completions, now);
    return { kindAccepted };
  }

  async read(kind: string | undefined, now: number): Promise<{ kind: HazardHistogram | undefined; shared: HazardHistogram }> {
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

  private add(existing: Histogram | undefined, increments: readonly BucketIncrement[], completions: number, now: number): Histogram {
    // Idle past the TTL the Redis store gives every histogram: start afresh, as Redis would.
    const histogram = existing && now - existing.t < this.settings.kindIdleMs ? existing : undefined;
    const h = histogram ?? { e: 0, t: now, events: new Float64Array(BUCKET_COUNT), exposure: new Float64Array(BUCKET_COUNT) };
    let e = nextExponent(histogram, completions, now, this.settings);
    if (e > RESCALE_EXPONENT) {
      const down = 2 ** -e;
      for (let k = 0; k < BUCKET_COUNT; k++) {
        h.events[k] = (h.events[k] ?? 0) * down;
        h.exposure[k] = (h.exposure[k] ?? 0) * down;
      }
      e = 0;
    }
    const up = 2 ** e;
    for (const [k, events, exposure] of increments) {
      h.events[k] = (h.events[k] ?? 0) + events * up;
      h.exposure[k] = (h.exposure[k] ?? 0) + exposure * up;
    }
    h.e = e;
    h.t = Math.max(h.t, now);
    return h;
  }

  private decayed(histogram: Histogram | undefined, now: number): HazardHistogram {
    const out: HazardHistogram = { events: new Float64Array(BUCKET_COUNT), exposure: new Float64Array(BUCKET_COUNT) };
    if (!histogram || now - histogram.t >= this.settings.kindIdleMs) return out;
    const factor = readFactor(histogram, now, this.settings);
    for (let k = 0; k < BUCKET_COUNT; k++) {
      out.events[k] = (histogram.events[k] ?? 0) * factor;
      out.exposure[k] = (histogram.exposure[k] ?? 0) * factor;
    }
    return out;
  }
}
