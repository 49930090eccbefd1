import { BUCKET_COUNT, fractionBelow, LAST_EDGE_MS } from './completion-buckets.js';
import type { CompletionEstimate } from './completion-estimate.js';

/**
 * One finished task as the worker saw it: it finished somewhere in (afterMs, atMostMs], both in ms
 * since `submittedAt`. `afterMs` is when the last "not yet" answer was asked for (0 when the first
 * poll already found it done); `atMostMs` is when the terminal answer arrived. `atMostMs = Infinity`
 * records a task that never finished (expired): it took longer than `afterMs`, that is all we know.
 */
export type CompletionObservation = { afterMs: number; atMostMs: number };

/** A share of one observation per bucket: [bucket index, weight], weights summing to 1. */
export type BucketIncrements = ReadonlyArray<readonly [bucket: number, weight: number]>;

/**
 * How much a flat prior weighs in the spreading. Without it a bucket the estimate says is empty
 * could never gain mass from an interval that covers it (the estimate would freeze its own shape);
 * 2 % lets the data move it, slowly.
 */
const PRIOR_SHARE = 0.02;

/**
 * The E-step of Turnbull's self-consistency algorithm (the nonparametric maximum-likelihood estimator
 * for interval-censored data), done once per observation instead of iterated over a stored sample:
 * the task's unit of mass is spread over the buckets its interval overlaps, in proportion to how
 * likely the current estimate says each part of the interval is. Taking the terminal poll's time as
 * the completion time would learn the schedule (every task would "finish" exactly when polled);
 * spreading it uniformly would smear the estimate toward whatever the schedule's gaps are. This costs
 * one pass over ≤ 99 buckets, and the result is a handful of increments for one Redis script.
 *
 * Returns [] for an observation that carries no information (an empty or inverted interval).
 */
export function spreadObservation(observation: CompletionObservation, estimate: CompletionEstimate): BucketIncrements {
  const after = Math.min(Math.max(0, observation.afterMs), LAST_EDGE_MS);
  // Finite times past the last edge are clamped into the last finite bucket (days: any schedule has
  // long given up there); only a true "never" goes to the open bucket.
  const atMost = observation.atMostMs === Number.POSITIVE_INFINITY ? observation.atMostMs : Math.min(observation.atMostMs, LAST_EDGE_MS);
  if (!(atMost > after)) return [];
  const weights: [number, number][] = [];
  let total = 0;
  const flat = PRIOR_SHARE / BUCKET_COUNT;
  const learned = estimate.usable ? 1 - PRIOR_SHARE : 0;
  for (let k = 0; k < BUCKET_COUNT; k++) {
    const overlap = fractionBelow(k, atMost) - fractionBelow(k, after);
    if (overlap <= 0) continue;
    const w = overlap * (learned * (estimate.probabilities[k] ?? 0) + flat);
    if (w <= 0) continue;
    weights.push([k, w]);
    total += w;
  }
  if (!(total > 0)) return [];
  return weights.map(([k, w]) => [k, w / total] as const);
}
