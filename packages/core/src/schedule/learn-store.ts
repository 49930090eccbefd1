import type { HazardHistogram } from './completion-estimate.js';
import type { BucketIncrement } from './observation-increments.js';

/**
 * How fast old observations fade and how many kinds are kept: fixed for a store's lifetime, and the
 * same in every replica (they come from the config).
 */
export type DecaySettings = {
  /** An observation weighs half as much after this many later observations of the same histogram. */
  halfLifeCompletions: number;
  /** … and half as much again after this long (keeps a kind unseen since yesterday from steering today). */
  halfLifeMs: number;
  /** Distinct kinds with their own histogram; observations of further kinds go to the shared one only. */
  maxKinds: number;
  /** A kind with no observation for this long is forgotten (its slot frees up). */
  kindIdleMs: number;
};

/** A batch of observations of one kind (or of none), added to its histogram and to the shared one. */
export type RecordInput = {
  /** A valid kind, or undefined for the shared histogram only. */
  kind: string | undefined;
  increments: readonly BucketIncrement[];
  /** Tasks that finished in this batch: each advances the decay by 1 / halfLifeCompletions. */
  completions: number;
  now: number;
};

/** What one read returns, decayed to `now`: the kind's histogram (when it has one) and the shared one. */
export type StoredHistograms = { kind: HazardHistogram | undefined; shared: HazardHistogram };

/**
 * Where histograms live: Redis (shared by every replica) or memory (the offline bench, unit tests).
 * Both implement the same arithmetic (forward decay, below), and a test holds them to it.
 */
export interface LearnStore {
  readonly settings: DecaySettings;
  /** Adds a batch; `kindAccepted` is false when the kind cap is reached (shared histogram only). */
  record(input: RecordInput): Promise<{ kindAccepted: boolean }>;
  read(kind: string | undefined, now: number): Promise<StoredHistograms>;
  /** The kinds that have a histogram, most recently observed last. */
  kinds(now: number): Promise<string[]>;
}

/**
 * Forward decay (Cormode et al., "Forward Decay", ICDE 2009): instead of multiplying every bucket by a
 * decay factor on each completion (99 writes), a new batch is added scaled UP by 2^e, where e grows by
 * 1/halfLifeCompletions per completion and by Δt/halfLifeMs with time; a read divides by 2^e(now). Same
 * result, a few writes per batch. When e passes RESCALE_EXPONENT the stored values are scaled back down
 * once (still exact, and far from any floating-point limit).
 */
export const RESCALE_EXPONENT = 32;

/** Bookkeeping fields of a histogram hash; bucket k is field `b<k>` = "<events> <exposure>". */
export const EXPONENT_FIELD = 'e';
export const TIME_FIELD = 't';

/** The exponent after a batch of `completions` at `now`, given the stored one (undefined: empty histogram). */
export function nextExponent(
  stored: { e: number; t: number } | undefined,
  completions: number,
  now: number,
  settings: DecaySettings,
): number {
  if (stored === undefined) return 0;
  return stored.e + completions / settings.halfLifeCompletions + Math.max(0, now - stored.t) / settings.halfLifeMs;
}

/** The factor that turns stored values into values decayed to `now`. */
export function readFactor(stored: { e: number; t: number }, now: number, settings: DecaySettings): number {
  return 2 ** -(stored.e + Math.max(0, now - stored.t) / settings.halfLifeMs);
}
