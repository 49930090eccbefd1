import { BUCKET_COUNT, bucketHigh, bucketLow, fractionBelow, LAST_EDGE_MS } from './completion-buckets.js';
import type { CompletionEstimate } from './completion-estimate.js';

/**
 * A finished task as the worker saw it: it finished somewhere in (afterMs, atMostMs], both in ms
 * since `submittedAt`. `afterMs` is when the last "not yet" answer was asked for (0 when the first
 * poll already found it done); `atMostMs` is when the terminal answer arrived.
 */
export type CompletionObservation = { afterMs: number; atMostMs: number };

/**
 * A "not yet" answer: the task was still pending throughout (fromMs, toMs] (ms since `submittedAt`;
 * fromMs = the previous "not yet", or 0). A task that never finishes (expired) is only ever this:
 * right-censored, exactly as survival analysis counts it.
 */
export type PendingObservation = { fromMs: number; toMs: number };

/** Per bucket: completions (events) and time at risk (exposure, in bucket widths) to add. */
export type BucketIncrement = readonly [bucket: number, events: number, exposure: number];

/**
 * How much a flat prior weighs when spreading a completion over its interval. Without it a bucket the
 * estimate says is empty could never gain mass from an interval that covers it; 2 % lets data move it.
 */
const PRIOR_SHARE = 0.02;

/** Share of bucket k inside (from, to], in the bucket's own measure (log time; linear in bucket 0). */
function overlap(k: number, from: number, to: number): number {
  return fractionBelow(k, to) - fractionBelow(k, from);
}

function clampAge(ms: number): number {
  return Math.min(Math.max(0, ms), LAST_EDGE_MS);
}

/** Exposure only: the task was at risk, and did not finish, anywhere in (fromMs, toMs]. */
export function pendingIncrements(observation: PendingObservation): BucketIncrement[] {
  const from = clampAge(observation.fromMs);
  const to = clampAge(observation.toMs);
  if (!(to > from)) return [];
  const out: BucketIncrement[] = [];
  for (let k = 0; k < BUCKET_COUNT - 1; k++) {
    if (bucketHigh(k) <= from) continue;
    if (bucketLow(k) >= to) break;
    const share = overlap(k, from, to);
    if (share > 0) out.push([k, 0, share]);
  }
  return out;
}

/**
 * A finished task: one completion spread over the buckets its interval overlaps, and the time it was
 * at risk in them. The spreading is the E-step of the self-consistency (Turnbull) estimator, done once
 * per observation: in proportion to how likely the current estimate says each part of the interval is
 * (plus a small flat prior). The exposure in the interval is the actuarial one: full in the parts
 * before the completion, half in the part where it happened.
 *
 * Taking the terminal poll's time as the completion time would learn the schedule (every task would
 * "finish" exactly when polled); this learns Aspose. Returns [] for an interval that says nothing.
 */
export function finishedIncrements(observation: CompletionObservation, estimate: CompletionEstimate): BucketIncrement[] {
  const after = clampAge(observation.afterMs);
  const atMost = clampAge(observation.atMostMs);
  if (!(atMost > after)) return [];
  const parts: { k: number; share: number; weight: number }[] = [];
  let total = 0;
  for (let k = 0; k < BUCKET_COUNT - 1; k++) {
    if (bucketHigh(k) <= after) continue;
    if (bucketLow(k) >= atMost) break;
    const share = overlap(k, after, atMost);
    if (share <= 0) continue;
    const from = Math.max(after, bucketLow(k));
    const to = Math.min(atMost, bucketHigh(k));
    const learned = estimate.usable ? (1 - PRIOR_SHARE) * Math.max(0, estimate.cdf(to) - estimate.cdf(from)) : 0;
    const weight = learned + (PRIOR_SHARE * share) / BUCKET_COUNT;
    parts.push({ k, share, weight });
    total += weight;
  }
  if (!(total > 0)) return [];
  let later = 1; // probability that the completion is in a later part than this one
  return parts.map(({ k, share, weight }) => {
    const events = weight / total;
    later -= events;
    return [k, events, share * (Math.max(0, later) + events / 2)] as const;
  });
}
