import { BUCKET_COUNT, bucketHigh, bucketLow, CompletionEstimate, planNextPoll, type PlanConfig } from '@regionwatch/core';

/** The true distribution in the learner's bucket layout, as if learned from a million tasks: the schedule's best case. */
export function estimateOfTruth(cdf: (ms: number) => number): CompletionEstimate {
  const masses = new Float64Array(BUCKET_COUNT);
  for (let k = 0; k < BUCKET_COUNT - 1; k++) masses[k] = Math.max(0, cdf(bucketHigh(k)) - cdf(bucketLow(k)));
  masses[BUCKET_COUNT - 1] = Math.max(0, 1 - cdf(bucketLow(BUCKET_COUNT - 1)));
  return new CompletionEstimate(masses, 1e6, 'shared');
}

/**
 * What the adaptive schedule would cost, per task, if it read `estimate` while tasks actually follow
 * `cdf`: expected polls, expected lag (ms) and the objective polls + lag / POLL_LAG_PER_POLL_MS. No
 * jitter; integration on a 20 ms grid.
 */
export function scheduleCost(estimate: CompletionEstimate, cdf: (ms: number) => number, config: PlanConfig) {
  let polls = 0;
  let lag = 0;
  let last: number | undefined;
  let previousDone = 0;
  for (let i = 0; i < 400 && previousDone < 1 - 1e-6; i++) {
    const at = planNextPoll({ config, estimate, submittedAt: 0, polls: i, lastPollAt: last, now: last ?? 0, jitter: 0 }).at;
    const from = last ?? 0;
    polls += 1 - previousDone;
    // Tasks finishing in (from, at] wait until `at`.
    const steps = Math.max(1, Math.ceil((at - from) / 20));
    let before = cdf(from);
    for (let s = 1; s <= steps; s++) {
      const t = from + ((at - from) * s) / steps;
      const done = cdf(t);
      lag += (done - before) * (at - (t - (at - from) / steps / 2));
      before = done;
    }
    previousDone = cdf(at);
    last = at;
  }
  return { polls, lagMs: lag, cost: polls + lag / config.POLL_LAG_PER_POLL_MS };
}
