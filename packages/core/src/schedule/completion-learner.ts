import type { RedisClient } from '../redis-connection.js';
import { POLL_KIND_PATTERN } from '../contract/fields.js';
import { blendEstimate, type CompletionEstimate } from './completion-estimate.js';
import type { DecaySettings, LearnStore } from './learn-store.js';
import { MemoryLearnStore } from './memory-learn-store.js';
import { RedisLearnStore } from './redis-learn-store.js';
import { BUCKET_COUNT } from './completion-buckets.js';
import {
  finishedIncrements,
  pendingIncrements,
  type BucketIncrement,
  type CompletionObservation,
  type PendingObservation,
} from './observation-increments.js';

export type CompletionLearnerOptions = Partial<DecaySettings> & {
  /**
   * Effective observations before a learned estimate steers the schedule (fewer: the exponential
   * back-off), and the weight of the shared estimate in a kind's (see `blendEstimate`).
   * @defaultValue 20
   */
  minSamples?: number;
  /** A replica re-reads an estimate from the store at most this often (never per poll). @defaultValue 5000 */
  refreshMs?: number;
  /** A replica sends what it observed to the store at most this often (one script per kind). @defaultValue 1000 */
  flushMs?: number;
  /** Clock (epoch ms); inject one in tests and in the offline bench. @defaultValue `Date.now` */
  now?: () => number;
};

/**
 * Defaults, and why:
 * - half-life 100 completions: counting completions rather than time keeps the estimate equally
 *   precise at any traffic (≈ 144 effective observations at steady state: a median within ~10 %)
 *   and makes "how fast does it follow a change" a fixed number of completions whatever the load
 *   (after Aspose gets 3× slower, the median is within 15 % after ≈ 250 completions);
 * - plus a 6 h half-life in time, so a kind unseen since yesterday does not steer today with full
 *   weight (at steady traffic the completion half-life dominates);
 * - 100 kinds, forgotten after 7 days without an observation.
 */
export const LEARNER_DEFAULTS = {
  halfLifeCompletions: 100,
  halfLifeMs: 6 * 60 * 60 * 1000,
  maxKinds: 100,
  kindIdleMs: 7 * 24 * 60 * 60 * 1000,
  minSamples: 20,
  refreshMs: 5_000,
  flushMs: 1_000,
} as const;

/** Whether an observation was kept (it goes out with the next flush) or said nothing. */
export type ObserveOutcome = 'recorded' | 'ignored';

type CacheEntry = { fetchedAt: number; kind: CompletionEstimate; shared: CompletionEstimate };
type Batch = { kind: string | undefined; events: Float64Array; exposure: Float64Array; completions: number };

/**
 * Learns how long tasks take, per kind and overall, from what the poll processor sees, and hands out
 * estimates for the schedule. It is a life table: per bucket of age, completions and time at risk, so
 * every "not yet" counts the moment it is answered. A learner fed only by completions would see slow
 * tasks only once they finish: with a hundred tasks in flight it follows a slowdown hundreds of
 * completions late (measured in the offline bench); counting the tasks still pending removes that lag.
 *
 * Per replica: observations are batched and sent at most every `flushMs` (one script per kind), and
 * estimates are re-read at most every `refreshMs`, so a poll costs no Redis command of its own.
 */
export class CompletionLearner {
  readonly settings: DecaySettings;
  readonly minSamples: number;
  private readonly refreshMs: number;
  private readonly flushMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<CacheEntry>>();
  private batches = new Map<string, Batch>();
  private lastFlush: number;

  constructor(
    private readonly store: LearnStore,
    options: Pick<CompletionLearnerOptions, 'minSamples' | 'refreshMs' | 'flushMs' | 'now'> = {},
  ) {
    this.settings = store.settings;
    this.minSamples = options.minSamples ?? LEARNER_DEFAULTS.minSamples;
    this.refreshMs = options.refreshMs ?? LEARNER_DEFAULTS.refreshMs;
    this.flushMs = options.flushMs ?? LEARNER_DEFAULTS.flushMs;
    this.now = options.now ?? Date.now;
    this.lastFlush = this.now();
  }

  /**
   * The estimate for tasks of `kind` (blended with the shared one; the shared one alone for no kind,
   * an invalid one or one past the kind cap), `source: 'none'` while too little is known.
   */
  async estimate(kind?: string): Promise<CompletionEstimate> {
    return (await this.entry(validKind(kind))).kind;
  }

  /**
   * A task of `kind` answered "not yet": it was pending throughout (fromMs, toMs] after submission
   * (fromMs = its previous "not yet", or 0). Call it for every "not yet" (a task that expires needs
   * nothing more).
   */
  async pending(kind: string | undefined, observation: PendingObservation): Promise<ObserveOutcome> {
    return this.add(validKind(kind), pendingIncrements(observation), 0);
  }

  /**
   * A task of `kind` answered a terminal status: it finished in (afterMs, atMostMs] after submission
   * (see `CompletionObservation`). Observations that say nothing (empty interval, NaN) are ignored.
   */
  async observe(kind: string | undefined, observation: CompletionObservation): Promise<ObserveOutcome> {
    const k = validKind(kind);
    // Spread by the best model of THIS task (its kind's estimate), for the shared histogram too: a
    // slow kind's (0, 12 s] must not be spread by the shared shape into the fast kinds' seconds.
    return this.add(k, finishedIncrements(observation, (await this.entry(k)).kind), 1);
  }

  /** Sends every batched observation to the store now (call it before closing; otherwise every `flushMs`). */
  async flush(): Promise<void> {
    const batches = this.batches;
    this.batches = new Map();
    this.lastFlush = this.now();
    const failed: Batch[] = [];
    let error: unknown;
    for (const batch of batches.values()) {
      const increments: BucketIncrement[] = [];
      for (let k = 0; k < BUCKET_COUNT; k++) {
        const events = batch.events[k] ?? 0;
        const exposure = batch.exposure[k] ?? 0;
        if (events > 0 || exposure > 0) increments.push([k, events, exposure]);
      }
      try {
        await this.store.record({ kind: batch.kind, increments, completions: batch.completions, now: this.lastFlush });
      } catch (e) {
        failed.push(batch);
        error = e;
      }
    }
    if (failed.length === 0) return;
    // Nothing learned is lost to a Redis blip: the batches go out with the next flush.
    for (const batch of failed) this.merge(batch);
    throw error;
  }

  /**
   * Learned quantiles (seconds) per kind with a histogram of its own, plus `_shared`: what the
   * `regionwatch_learned_completion_seconds{kind,quantile}` gauge shows. Reads the store directly.
   */
  async learnedQuantiles(quantiles: readonly number[] = [0.5, 0.9, 0.99]): Promise<{ kind: string; quantile: number; seconds: number }[]> {
    const now = this.now();
    const rows: { kind: string; quantile: number; seconds: number }[] = [];
    const push = (label: string, estimate: CompletionEstimate) => {
      if (!estimate.usable) return;
      for (const q of quantiles) rows.push({ kind: label, quantile: q, seconds: estimate.quantile(q) / 1000 });
    };
    push('_shared', (await this.refresh(undefined, now)).shared);
    for (const kind of await this.store.kinds(now)) push(kind, (await this.refresh(kind, now)).kind);
    return rows;
  }

  private async add(kind: string | undefined, increments: readonly BucketIncrement[], completions: number): Promise<ObserveOutcome> {
    if (increments.length === 0) return 'ignored';
    const batch = this.batchFor(kind);
    for (const [k, events, exposure] of increments) {
      batch.events[k] = (batch.events[k] ?? 0) + events;
      batch.exposure[k] = (batch.exposure[k] ?? 0) + exposure;
    }
    batch.completions += completions;
    if (this.now() - this.lastFlush >= this.flushMs) await this.flush();
    return 'recorded';
  }

  private batchFor(requested: string | undefined): Batch {
    // As bounded as the store: past maxKinds distinct kinds in one batch, the rest go to the shared one.
    const kind =
      requested !== undefined && !this.batches.has(requested) && this.batches.size > this.settings.maxKinds ? undefined : requested;
    const key = kind ?? '';
    let batch = this.batches.get(key);
    if (!batch) {
      batch = { kind, events: new Float64Array(BUCKET_COUNT), exposure: new Float64Array(BUCKET_COUNT), completions: 0 };
      this.batches.set(key, batch);
    }
    return batch;
  }

  private merge(failed: Batch): void {
    const batch = this.batchFor(failed.kind);
    for (let k = 0; k < BUCKET_COUNT; k++) {
      batch.events[k] = (batch.events[k] ?? 0) + (failed.events[k] ?? 0);
      batch.exposure[k] = (batch.exposure[k] ?? 0) + (failed.exposure[k] ?? 0);
    }
    batch.completions += failed.completions;
  }

  private async entry(kind: string | undefined): Promise<CacheEntry> {
    const key = kind ?? '';
    const now = this.now();
    const cached = this.cache.get(key);
    if (cached && now - cached.fetchedAt < this.refreshMs) return cached;
    return this.inFlight.get(key) ?? this.refresh(kind, now);
  }

  /** One read from the store (concurrent callers for the same kind share it). */
  private async refresh(kind: string | undefined, now: number): Promise<CacheEntry> {
    const key = kind ?? '';
    const pending = (async () => {
      try {
        const { kind: own, shared } = await this.store.read(kind, now);
        const entry: CacheEntry = {
          fetchedAt: now,
          kind: blendEstimate(own, shared, this.minSamples),
          shared: blendEstimate(undefined, shared, this.minSamples),
        };
        // Bounded like the store: unknown kinds past the cap must not grow the cache either.
        if (!this.cache.has(key) && this.cache.size > this.settings.maxKinds) {
          const oldest = this.cache.keys().next().value;
          if (oldest !== undefined) this.cache.delete(oldest);
        }
        this.cache.set(key, entry);
        return entry;
      } finally {
        this.inFlight.delete(key);
      }
    })();
    this.inFlight.set(key, pending);
    return pending;
  }
}

function validKind(kind: string | undefined): string | undefined {
  return kind !== undefined && POLL_KIND_PATTERN.test(kind) ? kind : undefined;
}

function settingsFrom(options: CompletionLearnerOptions): DecaySettings {
  return {
    halfLifeCompletions: options.halfLifeCompletions ?? LEARNER_DEFAULTS.halfLifeCompletions,
    halfLifeMs: options.halfLifeMs ?? LEARNER_DEFAULTS.halfLifeMs,
    maxKinds: options.maxKinds ?? LEARNER_DEFAULTS.maxKinds,
    kindIdleMs: options.kindIdleMs ?? LEARNER_DEFAULTS.kindIdleMs,
  };
}

/** The learner every replica shares through RedisClient (keys `<prefix>:regions-poll:learn:…`). */
export function createCompletionLearner(redis: RedisClient, prefix: string, options: CompletionLearnerOptions = {}): CompletionLearner {
  return new CompletionLearner(new RedisLearnStore(redis, prefix, settingsFrom(options)), options);
}

/** The same learner in one process's memory: the offline bench and unit tests. */
export function createMemoryCompletionLearner(options: CompletionLearnerOptions = {}): CompletionLearner {
  return new CompletionLearner(new MemoryLearnStore(settingsFrom(options)), options);
}
